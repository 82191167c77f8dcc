// gradebox: "Copy the command" buttons (a submission's page, for staff). The command is on the
// page as text in a <code id=...>; the buttons are rendered hidden and shown here, as they do
// nothing without this script, and so are those of a jobs section the live stream swaps in.
//
//   <button type="button" data-copy="ID" hidden>    copies the text of #ID
//   <span role="status" data-copy-status="ID">      says whether it worked
'use strict';
(function () {
  function say(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function bind(button) {
    var id = button.getAttribute('data-copy');
    var source = document.getElementById(id);
    if (!source) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = source.textContent.trim();
      if (window.navigator.clipboard && window.navigator.clipboard.writeText) {
        window.navigator.clipboard.writeText(text).then(
          function () { say(id, 'Copied.'); },
          function () { selectText(source); say(id, 'Selected: press Ctrl+C (or ⌘C) to copy.'); }
        );
      } else {
        selectText(source);
        say(id, 'Selected: press Ctrl+C (or ⌘C) to copy.');
      }
    });
  }

  document.querySelectorAll('button[data-copy]').forEach(bind);
  // The jobs section comes again from the live stream while grading (htmx swaps it in whole).
  document.addEventListener('htmx:load', function (event) {
    var root = event.target;
    if (root && root.querySelectorAll) root.querySelectorAll('button[data-copy]').forEach(bind);
  });
})();
