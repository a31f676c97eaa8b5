/**
 * The page's script, inline: moves the chosen step of each concurrent timeline (buttons,
 * slider, arrow keys, a click on a row) and opens every saved text report for printing. The
 * page reads fine without it: step 0's panel is shown, every panel prints.
 */
export const SCRIPT = `
(function () {
  'use strict';
  function setup(root) {
    var n = Number(root.getAttribute('data-steps'));
    var violation = Number(root.getAttribute('data-violation'));
    var rows = Array.prototype.slice.call(root.querySelectorAll('tr[data-step]'));
    var panels = Array.prototype.slice.call(root.querySelectorAll('.step-panel[data-step]'));
    var slider = root.querySelector('input[type=range]');
    var label = root.querySelector('.step-label');
    var wrap = root.querySelector('.timeline-wrap');
    var current = 0;
    function show(k) {
      if (!(n > 0)) return;
      k = Math.max(0, Math.min(n - 1, k));
      current = k;
      root.setAttribute('data-current', String(k));
      if (slider) slider.value = String(k);
      if (label) label.textContent = 'step ' + k + ' of ' + (n - 1);
      rows.forEach(function (r) {
        var s = Number(r.getAttribute('data-step'));
        r.classList.toggle('current', s === k);
        r.classList.toggle('future', s > k);
        if (s === k && wrap) {
          var top = r.offsetTop, bottom = top + r.offsetHeight;
          var head = wrap.querySelector('thead');
          var h = head ? head.offsetHeight : 0;
          if (top - h < wrap.scrollTop) wrap.scrollTop = top - h;
          else if (bottom > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = bottom - wrap.clientHeight;
        }
      });
      panels.forEach(function (p) {
        p.classList.toggle('shown', Number(p.getAttribute('data-step')) === k);
      });
    }
    var actions = {
      first: function () { show(0); },
      prev: function () { show(current - 1); },
      next: function () { show(current + 1); },
      last: function () { show(n - 1); },
      violation: function () { if (violation >= 0) show(violation); }
    };
    root.addEventListener('click', function (ev) {
      var t = ev.target;
      var button = t && t.closest ? t.closest('button[data-action]') : null;
      if (button) {
        var act = actions[button.getAttribute('data-action')];
        if (act) act();
        return;
      }
      var row = t && t.closest ? t.closest('tr[data-step]') : null;
      if (row) show(Number(row.getAttribute('data-step')));
    });
    if (slider) slider.addEventListener('input', function () { show(Number(slider.value)); });
    root.addEventListener('keydown', function (ev) {
      if (ev.target === slider) return;
      var keys = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last' };
      var act = actions[keys[ev.key]];
      if (act) { act(); ev.preventDefault(); }
    });
    show(0);
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-scrubber]'), setup);
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
})();
`;
