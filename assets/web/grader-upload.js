// gradebox graders page: uploads a grader image (may be gigabytes) with a progress bar.
// Without this file the form posts as it is and the browser shows its own progress.
'use strict';
(function () {
  function size(bytes) {
    var units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    var value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return unit === 0 ? bytes + ' bytes' : value.toFixed(1) + ' ' + units[unit];
  }

  function enhance(form) {
    var progress = form.querySelector('progress');
    var status = form.querySelector('[data-upload-status]');
    var button = form.querySelector('button[type=submit]');
    if (!progress || !status || !window.FormData) return;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      progress.classList.remove('hidden');
      progress.removeAttribute('value');
      if (button) button.disabled = true;
      status.textContent = 'Uploading…';
      xhr.upload.addEventListener('progress', function (p) {
        if (!p.lengthComputable) return;
        progress.max = p.total;
        progress.value = p.loaded;
        status.textContent = p.loaded < p.total
          ? 'Uploading: ' + Math.floor((100 * p.loaded) / p.total) + '% (' + size(p.loaded) + ' of ' + size(p.total) + ')'
          : 'Uploaded ' + size(p.total) + '; the server is checking the image…';
      });
      xhr.addEventListener('load', function () {
        if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
        // An error page (400 with what is wrong with the image or a field): show it as the page.
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener('error', function () {
        progress.classList.add('hidden');
        if (button) button.disabled = false;
        status.textContent = 'The upload failed: the connection broke or the server refused it (is the file too large?). Try again.';
      });
      xhr.open('POST', form.action);
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('form[data-grader-upload]').forEach(enhance);
  });
})();
