// gradebox: sortable and filterable tables (gradebook, regrade preview, ...). The table is whole
// without this file; the script only reorders and hides rows that the server already sent.
//
//   <table id="t" data-sortable>           headers of scope="col" become sort buttons (aria-sort);
//                                          a cell's data-sort (else its text) is the sort key,
//                                          numeric when both keys are numbers.
//   <input type="search" data-filter="t">  shows only rows whose text holds every typed word.
//   <select data-filter="t" data-filter-attr="kind">  shows only rows with data-kind equal to the
//                                          chosen value ("" = all).
//   <span data-filter-count="t">           "12 of 300 rows", a polite live region.
// Render the filter controls and their labels with `hidden`: the script shows them, as they do
// nothing without it.
'use strict';
(function () {
  function keyOf(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var key = cell.getAttribute('data-sort');
    return key !== null ? key : cell.textContent.trim();
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== '' && b !== '' && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll('thead th[scope=col]');
    headers.forEach(function (th) {
      if (th.hasAttribute('data-nosort')) return;
      var index = th.cellIndex;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var rows = Array.prototype.slice.call(body.rows);
          var keyed = rows.map(function (row, i) { return { row: row, key: keyOf(row, index), i: i }; });
          keyed.sort(function (p, q) { return (ascending ? compare(p.key, q.key) : compare(q.key, p.key)) || p.i - q.i; });
          var fragment = document.createDocumentFragment();
          keyed.forEach(function (k) { fragment.appendChild(k.row); });
          body.appendChild(fragment);
        });
      });
    });
  }

  function applyFilters(tableId) {
    var table = document.getElementById(tableId);
    if (!table) return;
    var controls = document.querySelectorAll('[data-filter="' + tableId + '"]');
    var words = [], attrs = [];
    controls.forEach(function (control) {
      var attr = control.getAttribute('data-filter-attr');
      if (attr) { if (control.value !== '') attrs.push([attr, control.value]); }
      else words = words.concat(control.value.toLowerCase().split(/\s+/).filter(Boolean));
    });
    var shown = 0, total = 0;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        total++;
        var text = row.textContent.toLowerCase();
        var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
          attrs.every(function (a) { return row.getAttribute('data-' + a[0]) === a[1]; });
        row.hidden = !ok;
        if (ok) shown++;
      });
    });
    document.querySelectorAll('[data-filter-count="' + tableId + '"]').forEach(function (el) {
      el.textContent = shown === total ? total + ' rows' : shown + ' of ' + total + ' rows';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('table[data-sortable]').forEach(makeSortable);
    var ids = {};
    document.querySelectorAll('[data-filter]').forEach(function (control) {
      var id = control.getAttribute('data-filter');
      ids[id] = true;
      control.hidden = false;
      var label = control.id ? document.querySelector('label[for="' + control.id + '"]') : null;
      if (label) label.hidden = false;
      control.addEventListener(control.tagName === 'SELECT' ? 'change' : 'input', function () { applyFilters(id); });
    });
    Object.keys(ids).forEach(applyFilters);
  });
})();
