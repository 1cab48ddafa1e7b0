// Dragging on the resource board (web::charts::board). Only an enhancement: the board's form
// (form.board-move with `start`, `end`, the CSRF token) and each resource page's forms work
// without it.
//
// Drag a booking to move it, or its right edge (.handle) to extend or shorten it; both snap to
// the board's data-snap-minutes (an hour in the week view, a day in the month view). On drop the
// script fills the form with the new RFC 3339 start and end, aims it at the booking's
// data-move-url (same origin only) and submits it; the server checks the move and the page
// comes back with the board, or with the refusal naming the booking it collides with. Escape
// cancels a drag.
(function () {
  "use strict";
  var MINUTE = 60000;

  function iso(ms) {
    return new Date(ms).toISOString().slice(0, 19) + "Z";
  }

  function setup(svg) {
    var pxPerDay = parseFloat(svg.getAttribute("data-px-per-day"));
    var snap = (parseFloat(svg.getAttribute("data-snap-minutes")) || 60) * MINUTE;
    var form = document.querySelector("form.board-move");
    if (!(pxPerDay > 0) || !form) return;
    var msPerPx = 86400000 / pxPerDay;
    function toUser(clientX) {
      var m = svg.getScreenCTM();
      return m ? (clientX - m.e) / m.a : clientX;
    }
    var drag = null;

    svg.addEventListener("pointerdown", function (ev) {
      var g = ev.target.closest ? ev.target.closest("g.booking") : null;
      if (!g || !g.getAttribute("data-move-url")) return;
      var bar = g.querySelector("rect.bar");
      drag = {
        g: g,
        bar: bar,
        x0: toUser(ev.clientX),
        barX: parseFloat(bar.getAttribute("x")),
        barW: parseFloat(bar.getAttribute("width")),
        start: Date.parse(g.getAttribute("data-start")),
        end: Date.parse(g.getAttribute("data-end")),
        resize: ev.target.classList.contains("handle"),
        moved: false
      };
      svg.setPointerCapture && svg.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    });

    svg.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var dx = toUser(ev.clientX) - drag.x0;
      if (Math.abs(dx) > 2) drag.moved = true;
      if (drag.resize) {
        drag.bar.setAttribute("width", Math.max(3, drag.barW + dx));
      } else {
        drag.bar.setAttribute("x", drag.barX + dx);
      }
      drag.dx = dx;
    });

    function finish(ev, cancel) {
      if (!drag) return;
      var d = drag;
      drag = null;
      if (cancel || !d.moved) {
        d.bar.setAttribute("x", d.barX);
        d.bar.setAttribute("width", d.barW);
        return;
      }
      var shift = Math.round((d.dx * msPerPx) / snap) * snap;
      var start = d.start, end = d.end;
      if (d.resize) {
        end = Math.max(start + snap, end + shift);
      } else {
        start += shift;
        end += shift;
      }
      var url = d.g.getAttribute("data-move-url");
      if (!/^\/[^\/]/.test(url)) return;
      form.setAttribute("action", url);
      form.elements["start"].value = iso(start);
      form.elements["end"].value = iso(end);
      if (form.elements["id"]) form.elements["id"].value = d.g.getAttribute("data-id");
      form.submit();
    }
    svg.addEventListener("pointerup", function (ev) { finish(ev, false); });
    svg.addEventListener("pointercancel", function (ev) { finish(ev, true); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") finish(ev, true);
    });
  }

  document.querySelectorAll("svg.board").forEach(setup);
})();
