// gradebox: the set-up page's "Copy the link" button for a new invitation link. Without this
// file the link stays in a read-only field, selectable and copyable by hand.
//
//   <input id="x" readonly value="...">  <button data-copy="x" hidden>  <span data-copied="x">
'use strict';
(function () {
  function copied(id, text) {
    var note = document.querySelector('[data-copied="' + id + '"]');
    if (note) note.textContent = text;
  }

  function setUp(button) {
    var id = button.getAttribute('data-copy');
    var field = document.getElementById(id);
    if (!field) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      field.select();
      if (window.navigator.clipboard && window.navigator.clipboard.writeText) {
        window.navigator.clipboard.writeText(field.value).then(function () {
          copied(id, 'Copied.');
        }, function () {
          copied(id, 'Select the link and copy it (Ctrl+C or ⌘C).');
        });
      } else {
        copied(id, 'Select the link and copy it (Ctrl+C or ⌘C).');
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('button[data-copy]').forEach(setUp);
  });
})();
