// Live updates (server-sent events from /events). A page opts in with an element carrying
// data-live-project="CODE" (or data-live-studio for a studio-wide page such as the board) and
// data-live-kinds="plan,booking,message". On an event the page is fetched again and every
// element marked data-live-region (each with an id) is swapped for its fresh copy; scripts named
// in a region's data-live-scripts run again so drag handles work on the new markup. While the
// person is typing in a form, nothing is swapped: a "Updated — reload" notice appears instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-project], [data-live-studio]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var params = new URLSearchParams();
  var project = root.getAttribute("data-live-project");
  if (project) params.set("project", project);
  params.set("kinds", root.getAttribute("data-live-kinds") || "");
  var source = new EventSource("/events?" + params.toString());
  // Open: from here on every change reaches this page (scripts and tests can wait for it).
  source.addEventListener("open", function () {
    document.body.setAttribute("data-live-connected", "1");
  });
  var timer = null;
  var busy = false;
  var again = false;
  var dirty = false;

  document.addEventListener("input", function (e) {
    if (e.target && e.target.form) dirty = true;
  });
  document.addEventListener("submit", function () { dirty = false; });

  function typing() {
    var a = document.activeElement;
    var field = a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) &&
      !/^(hidden|submit|button|search)$/.test(a.type || "");
    return field || dirty;
  }

  function notice() {
    if (document.getElementById("live-notice")) return;
    var n = document.createElement("div");
    n.id = "live-notice";
    n.className = "flash live-notice";
    n.setAttribute("role", "status");
    // Fixed in a corner, so it is seen wherever the page is scrolled to.
    n.style.position = "fixed";
    n.style.right = "1rem";
    n.style.bottom = "1rem";
    n.style.zIndex = "20";
    n.style.margin = "0";
    n.appendChild(document.createTextNode("Updated — "));
    var a = document.createElement("a");
    a.href = location.href;
    a.textContent = "reload";
    n.appendChild(a);
    root.parentNode.insertBefore(n, root);
  }

  function refresh() {
    if (typing()) { notice(); return; }
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var scripts = [];
        document.querySelectorAll("[data-live-region]").forEach(function (old) {
          var fresh = old.id && doc.getElementById(old.id);
          if (!fresh) return;
          old.replaceWith(document.importNode(fresh, true));
          (fresh.getAttribute("data-live-scripts") || "").split(",").forEach(function (s) {
            s = s.trim();
            if (s && scripts.indexOf(s) < 0) scripts.push(s);
          });
        });
        scripts.forEach(function (src) {
          var el = document.createElement("script");
          el.src = src;
          document.body.appendChild(el);
        });
        var count = Number(document.body.getAttribute("data-live-updates") || "0") + 1;
        document.body.setAttribute("data-live-updates", String(count));
        document.dispatchEvent(new CustomEvent("postflow:live-updated"));
      })
      .catch(function () { notice(); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function onEvent() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  ["plan", "booking", "message"].forEach(function (kind) {
    source.addEventListener(kind, onEvent);
  });
})();
