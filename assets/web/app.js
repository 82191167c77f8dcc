// gradebox web interface: small enhancements. Every page works without this file.
'use strict';
(function () {
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  // Times: the server writes UTC; show them in the viewer's time zone, the UTC value as a tooltip.
  function localizeTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (el) {
      if (el.dataset.localized) return;
      var when = new Date(el.getAttribute('datetime'));
      if (isNaN(when.getTime())) return;
      el.title = el.textContent + ' (UTC)';
      el.textContent = format.format(when);
      el.dataset.localized = '1';
    });
  }

  function span(seconds) {
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + ' d ' + h + ' h';
    if (h > 0) return h + ' h ' + m + ' min';
    return m + ' min';
  }

  // Deadline countdowns: "in 2 d 3 h" / "5 h 2 min ago".
  function countdowns() {
    document.querySelectorAll('[data-countdown]').forEach(function (el) {
      var seconds = (Date.parse(el.getAttribute('data-countdown')) - Date.now()) / 1000;
      el.textContent = seconds >= 0 ? 'in ' + span(seconds) : span(seconds) + ' ago';
    });
  }

  // Uploads: drag and drop onto the drop zone, and a progress bar while the files are sent.
  function enhanceUpload(form) {
    var zone = form.querySelector('.dropzone');
    var input = form.querySelector('input[type=file][name=file]');
    var progress = form.querySelector('progress');
    var chosen = form.querySelector('[data-chosen]');
    if (!zone || !input) return;
    function show() {
      if (chosen) chosen.textContent = input.files.length ? input.files.length + ' file(s) chosen' : '';
    }
    input.addEventListener('change', show);
    zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', function () { zone.classList.remove('over'); });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      zone.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
    });
    form.addEventListener('submit', function (e) {
      if (!window.FormData || !progress) return;
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      progress.classList.remove('hidden');
      xhr.upload.addEventListener('progress', function (p) { if (p.lengthComputable) { progress.max = p.total; progress.value = p.loaded; } });
      xhr.addEventListener('load', function () {
        if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener('error', function () { progress.classList.add('hidden'); if (chosen) chosen.textContent = 'The upload failed: check your connection and try again.'; });
      xhr.open('POST', form.action);
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    localizeTimes(document);
    countdowns();
    setInterval(countdowns, 30000);
    document.querySelectorAll('form[data-upload]').forEach(enhanceUpload);
  });
  // Content htmx brings in (live status, refreshed dashboards) gets its times localized too:
  // `htmx:load` names the new element itself, where an outer swap's target is the old one.
  document.addEventListener('htmx:load', function (e) { if (e.detail && e.detail.elt) localizeTimes(e.detail.elt); });
})();
