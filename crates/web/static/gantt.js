// Dragging on the Gantt chart (web::charts::gantt). Only an enhancement: the page's own forms
// (<form class="gantt-move" method="post" action="{move_url}"> with inputs `start` and
// `duration_days` and the CSRF token) keep working without it, from the keyboard.
//
// Drag a bar to move the task, or its right edge to change the duration; both snap to whole
// days. On drop the script fills the task's form and submits it; the server re-plans and the
// page comes back with the new schedule. Escape cancels a drag.
//
// A move sends the new `start` (a start on a day off goes to the next working day) and leaves
// `duration_days` empty, meaning "unchanged", so a duration kept in hours is not rewritten. A
// resize sends the task's current start and the working days the bar now covers. The form is
// the one whose action is the task's `data-move-url`, else the page's first `form.gantt-move`,
// aimed at that URL (same origin only); a `task` field in it is set to the task's key.
(function () {
  "use strict";
  var DAY = 86400000;

  function parseDate(s) {
    var p = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
    return p ? Date.UTC(+p[1], +p[2] - 1, +p[3]) : NaN;
  }
  function formatDate(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }
  function addDays(ms, n) {
    return ms + n * DAY;
  }

  function setup(svg) {
    var pxPerDay = parseFloat(svg.getAttribute("data-px-per-day"));
    if (!(pxPerDay > 0)) return;
    var nonWorking = {};
    (svg.getAttribute("data-non-working") || "").split(/\s+/).forEach(function (d) {
      if (d) nonWorking[d] = true;
    });
    function isWorking(ms) {
      return !nonWorking[formatDate(ms)];
    }
    function nextWorking(ms) {
      for (var i = 0; i < 370 && !isWorking(ms); i++) ms = addDays(ms, 1);
      return ms;
    }
    // Working days in [from, to).
    function workingDays(from, to) {
      var n = 0;
      for (var d = from; d < to; d = addDays(d, 1)) if (isWorking(d)) n++;
      return n;
    }
    // Client pixels to the chart's own units (the SVG may be scaled to fit the page).
    function toUser(clientX) {
      var m = svg.getScreenCTM();
      return m ? (clientX - m.e) / m.a : clientX;
    }

    var drag = null;
    // A drag that ends over a bar's link must not also follow it.
    var swallowClickUntil = 0;

    function parts(task) {
      return Array.prototype.slice.call(
        task.querySelectorAll(".bar, .progress, .hatch, .overrun, .float, .float-cap, .milestone, .resize")
      );
    }

    function begin(e) {
      if (e.button !== 0) return;
      var task = e.target.closest && e.target.closest("g.task[data-move-url]");
      if (!task) return;
      var resizing = e.target.classList.contains("resize");
      var onMark = resizing || e.target.matches(".bar, .progress, .hatch, .overrun, .milestone");
      if (!onMark) return;
      var start = parseDate(task.getAttribute("data-start"));
      if (isNaN(start)) return;
      e.preventDefault();
      var bar = task.querySelector("rect.bar");
      drag = {
        task: task,
        resizing: resizing && !!bar,
        x0: toUser(e.clientX),
        start: start,
        duration: parseInt(task.getAttribute("data-duration-days"), 10) || 0,
        barEnd: bar ? start + Math.round(parseFloat(bar.getAttribute("width")) / pxPerDay) * DAY : start,
        days: 0,
        moved: false,
        pointer: e.pointerId,
        saved: parts(task).map(function (el) {
          return [el, el.getAttribute("transform"), el.getAttribute("width"), el.getAttribute("x")];
        }),
        hint: null
      };
      if (svg.setPointerCapture && e.pointerId !== undefined) {
        try { svg.setPointerCapture(e.pointerId); } catch (ignored) { /* not capturable */ }
      }
    }

    function proposal(d) {
      if (d.resizing) {
        var end = Math.max(addDays(d.barEnd, d.days), addDays(d.start, 1));
        return { start: d.start, duration: Math.max(1, workingDays(d.start, end)) };
      }
      return { start: nextWorking(addDays(d.start, d.days)), duration: d.duration, move: true };
    }

    function showHint(p) {
      if (!drag.hint) {
        drag.hint = document.createElementNS("http://www.w3.org/2000/svg", "text");
        drag.hint.setAttribute("class", "drag-hint");
        svg.appendChild(drag.hint);
      }
      var bar = drag.task.querySelector("rect.bar, path.milestone");
      var box = bar.getBBox();
      // getBBox ignores the element's own transform: a moved bar is `shift` further right.
      var shift = drag.resizing ? 0 : drag.days * pxPerDay;
      drag.hint.setAttribute("x", String(box.x + box.width + 8 + shift));
      drag.hint.setAttribute("y", String(box.y - 3));
      drag.hint.textContent = formatDate(p.start) + " · " + p.duration + (p.duration === 1 ? " day" : " days");
    }

    function move(e) {
      if (!drag || (drag.pointer !== undefined && e.pointerId !== drag.pointer)) return;
      var dx = toUser(e.clientX) - drag.x0;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (!drag.moved) return;
      svg.classList.add("dragging");
      var days = Math.round(dx / pxPerDay);
      if (days === drag.days) return;
      drag.days = days;
      var shift = days * pxPerDay;
      drag.saved.forEach(function (s) {
        var el = s[0];
        if (drag.resizing) {
          if (el.matches(".bar, .hatch")) {
            el.setAttribute("width", String(Math.max(pxPerDay, parseFloat(s[2]) + shift)));
          } else if (el.matches(".resize, .float, .float-cap, .overrun")) {
            el.setAttribute("transform", "translate(" + shift + ",0)");
          }
        } else {
          el.setAttribute("transform", "translate(" + shift + ",0)");
        }
      });
      showHint(proposal(drag));
    }

    function restoreDrag(d) {
      d.saved.forEach(function (s) {
        var el = s[0];
        if (s[1] === null) el.removeAttribute("transform"); else el.setAttribute("transform", s[1]);
        if (s[2] !== null) el.setAttribute("width", s[2]);
      });
      if (d.hint) d.hint.remove();
      svg.classList.remove("dragging");
    }
    function cancel() {
      if (drag) restoreDrag(drag);
      drag = null;
    }

    function formFor(url) {
      var target = new URL(url, document.baseURI).href;
      var forms = document.querySelectorAll("form.gantt-move");
      for (var i = 0; i < forms.length; i++) {
        if (new URL(forms[i].getAttribute("action") || "", document.baseURI).href === target) return forms[i];
      }
      // Else the shared form (the one naming its task), aimed at this task's address, which
      // must be on this site.
      if (!forms.length || new URL(target).origin !== window.location.origin) return null;
      var shared = forms[0];
      for (var j = 0; j < forms.length; j++) {
        if (forms[j].elements.task) { shared = forms[j]; break; }
      }
      shared.setAttribute("action", url);
      return shared;
    }

    function end() {
      if (!drag) return;
      var d = drag;
      drag = null;
      if (!d.moved) return;
      swallowClickUntil = Date.now() + 500;
      var p = proposal(d);
      var form = formFor(d.task.getAttribute("data-move-url"));
      var unchanged = p.start === d.start && p.duration === d.duration;
      if (unchanged || !form || !form.elements.start || !form.elements.duration_days) {
        restoreDrag(d);
        return;
      }
      form.elements.start.value = formatDate(p.start);
      form.elements.duration_days.value = p.move ? "" : String(p.duration);
      var key = d.task.getAttribute("data-task");
      var taskField = form.elements.task;
      if (taskField && taskField.tagName === "SELECT") {
        for (var i = 0; i < taskField.options.length; i++) {
          if (taskField.options[i].value === key) taskField.value = key;
        }
      } else if (taskField) {
        taskField.value = key;
      }
      svg.classList.remove("dragging");
      svg.classList.add("saving");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }

    svg.addEventListener("pointerdown", begin);
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", cancel);
    svg.addEventListener("click", function (e) {
      if (Date.now() < swallowClickUntil) {
        e.preventDefault();
        e.stopPropagation();
      }
    }, true);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && drag) {
        if (drag.moved) swallowClickUntil = Date.now() + 500;
        cancel();
      }
    });
  }

  document.querySelectorAll("svg.gantt").forEach(setup);
})();
