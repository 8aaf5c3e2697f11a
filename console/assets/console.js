// The Lifeboat console's only script (served from 'self'; the pages work without it, less the live parts):
// local times with UTC on hover, RTO countdowns, confirmations, and live regions refreshed from the server.
'use strict';

(function () {
  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d.getTime())) t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
    });
  }

  function fmt(ms) {
    var s = Math.round(Math.abs(ms) / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
    return Math.floor(m / 60) + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
  }

  function countdowns() {
    document.querySelectorAll('[data-countdown]').forEach(function (el) {
      var left = Date.parse(el.getAttribute('data-countdown')) - Date.now();
      if (isNaN(left)) return;
      el.textContent = left >= 0 ? fmt(left) + ' left' : 'BREACHED by ' + fmt(left);
      el.classList.toggle('rto-breached', left < 0);
    });
  }

  // Forms (or their buttons) with data-confirm ask before they send.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var button = e.submitter;
    var message = (button && button.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    var mode = form.querySelector('input[name="mode"]:checked');
    if (!message && mode && mode.value === 'recovery') message = form.getAttribute('data-confirm-recovery');
    if (message && !window.confirm(message)) e.preventDefault();
  });

  // A region is left alone while the person is using it: focus inside, or a field they have typed in.
  function busy(region) {
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = region.querySelectorAll('input, textarea, select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'hidden') continue;
      if (f.type === 'checkbox' || f.type === 'radio') {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === 'SELECT') {
        for (var j = 0; j < f.options.length; j++) if (f.options[j].selected !== f.options[j].defaultSelected) return true;
      } else if (f.value !== f.defaultValue) return true;
    }
    var open = region.querySelector('details[open]');
    return Boolean(open);
  }

  // What the server last sent for each region: the page's own copy differs once times and countdowns are localised.
  var served = new WeakMap();
  var polling = false;
  var timer;
  function refresh() {
    if (polling || document.hidden) return;
    polling = true;
    fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin', redirect: 'manual' })
      .then(function (res) {
        return res.ok ? res.text() : undefined;
      })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        // An ended run's page is final: stop asking (each refresh costs the server several reads).
        if (!fresh.body.hasAttribute('data-live-page')) clearInterval(timer);
        document.querySelectorAll('[data-live]').forEach(function (region) {
          var next = fresh.querySelector('[data-live="' + region.getAttribute('data-live') + '"]');
          if (!next || next.outerHTML === served.get(region) || busy(region)) return;
          var node = document.importNode(next, true);
          served.set(node, next.outerHTML);
          region.replaceWith(node);
          localTimes(node);
        });
        countdowns();
      })
      .catch(function () {})
      .then(function () {
        polling = false;
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-live]').forEach(function (region) {
      served.set(region, region.outerHTML);
    });
    localTimes(document);
    countdowns();
    setInterval(countdowns, 1000);
    if (document.body.hasAttribute('data-live-page')) timer = setInterval(refresh, 1000);
  });
})();
