/* Unit pickers. 单位选择
 *
 * A <select data-unit-picker> (shanshui/orgs/widgets.py) becomes a search box over its units,
 * grouped as the select's <optgroup>s (区县, 市级部门, 开发区/管委会 …), each group folding open,
 * with a "select all" for the units it shows. Checkboxes for a multiple select, radio buttons
 * for a single one. The select stays in the form, hidden, and every tick sets its options: the
 * form posts what the plain select would post, and without this script the select is used as is.
 * Typing filters by name, pinyin or pinyin initials (万州 / wanzhou / wzq).
 */
(function () {
  "use strict";

  var WORDS = { // when the select carries none (the widget gives them in the page's language)
    search: "输入名称、拼音或首字母筛选",
    all: "全选",
    none: "取消全选",
    clear: "清除",
    chosen: "已选：",
    nothing: "未选择",
    noMatch: "没有匹配的单位",
  };

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (value !== undefined) el.textContent = value;
    return el;
  }

  // Typed Chinese is found anywhere in a name; typed letters (pinyin, initials) at the start
  // of a key, so that "wsj" finds 万盛经开区 and not 市卫生健康委 (s-w-s-j…).
  function matches(keys, q) {
    var latin = /^[a-z0-9]+$/.test(q);
    return keys.some(function (k) { return latin ? k.indexOf(q) === 0 : k.indexOf(q) !== -1; });
  }

  function enhance(select) {
    if (select.dataset.unitPickerReady) return;
    select.dataset.unitPickerReady = "1";
    var d = select.dataset;
    var T = {
      search: d.tSearch || WORDS.search,
      all: d.tAll || WORDS.all,
      none: d.tNone || WORDS.none,
      clear: d.tClear || WORDS.clear,
      chosen: d.tChosen || WORDS.chosen,
      nothing: d.tNothing || WORDS.nothing,
      noMatch: d.tNoMatch || WORDS.noMatch,
    };
    var multiple = select.multiple;
    var picker = text("div", "unit-picker border rounded p-2");
    picker.dataset.for = select.name;
    var top = text("div", "d-flex gap-2 align-items-center mb-2");
    var search = text("input", "form-control form-control-sm");
    search.type = "search";
    search.placeholder = T.search;
    search.setAttribute("aria-label", T.search);
    if (select.id) {
      search.id = select.id + "_search";
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (label) label.htmlFor = search.id;
    }
    var clear = text("button", "btn btn-sm", T.clear);
    clear.type = "button";
    top.appendChild(search);
    top.appendChild(clear);
    var summary = text("div", "small text-secondary mb-1 unit-picker-summary");
    var body = text("div", "unit-picker-groups");
    body.style.maxHeight = "18rem";
    body.style.overflowY = "auto";
    var empty = text("div", "small text-secondary py-1", T.noMatch);
    empty.hidden = true;
    picker.appendChild(top);
    picker.appendChild(summary);
    picker.appendChild(body);
    picker.appendChild(empty);

    var items = []; // {option, input, row, keys, group}
    var groups = [];
    var n = 0;
    Array.prototype.forEach.call(select.children, function (child) {
      if (child.tagName !== "OPTGROUP") return;
      var group = { items: [], el: text("details", "unit-picker-group mb-1") };
      group.el.dataset.group = child.label;
      var head = text("summary", "d-flex align-items-center gap-2 py-1");
      var name = text("strong", "", child.label);
      var count = text("span", "small text-secondary");
      head.appendChild(name);
      head.appendChild(count);
      group.count = count;
      if (multiple) {
        var all = text("button", "btn btn-sm btn-link p-0 ms-auto unit-picker-all", T.all);
        all.type = "button";
        all.addEventListener("click", function (event) {
          event.preventDefault();
          var shown = group.items.filter(function (it) { return !it.row.hidden; });
          var every = shown.every(function (it) { return it.option.selected; });
          shown.forEach(function (it) { it.option.selected = !every; });
          changed();
        });
        head.appendChild(all);
        group.all = all;
      }
      var grid = text("div", "unit-picker-items ps-3");
      Array.prototype.forEach.call(child.children, function (option) {
        var row = text("label", "form-check form-check-inline mb-1 me-3");
        var input = text("input", "form-check-input");
        input.type = multiple ? "checkbox" : "radio";
        input.name = "_picker_" + select.name; // never posted: the select is
        input.id = (select.id || select.name) + "_pick_" + n++;
        input.addEventListener("change", function () {
          if (!multiple) {
            Array.prototype.forEach.call(select.options, function (o) { o.selected = false; });
          }
          option.selected = input.checked;
          changed();
        });
        row.appendChild(input);
        row.appendChild(text("span", "form-check-label", option.textContent));
        grid.appendChild(row);
        var it = {
          option: option,
          input: input,
          row: row,
          group: group,
          keys: (option.dataset.search || option.textContent).toLowerCase().split(" "),
        };
        items.push(it);
        group.items.push(it);
      });
      group.el.appendChild(head);
      group.el.appendChild(grid);
      body.appendChild(group.el);
      groups.push(group);
    });

    clear.addEventListener("click", function () {
      Array.prototype.forEach.call(select.options, function (o) { o.selected = false; });
      if (!multiple && select.options.length && select.options[0].value === "") {
        select.options[0].selected = true;
      }
      changed();
    });

    function render() {
      var chosen = items.filter(function (it) { return it.option.selected; });
      items.forEach(function (it) { it.input.checked = it.option.selected; });
      summary.textContent = chosen.length
        ? T.chosen + chosen.map(function (it) { return it.option.textContent; }).join("、")
        : T.nothing;
      groups.forEach(function (g) {
        var shown = g.items.filter(function (it) { return !it.row.hidden; });
        var picked = g.items.filter(function (it) { return it.option.selected; }).length;
        g.count.textContent = "(" + (picked ? picked + "/" : "") + g.items.length + ")";
        if (g.all) {
          var every = shown.length && shown.every(function (it) { return it.option.selected; });
          g.all.textContent = every ? T.none : T.all;
          g.all.hidden = !shown.length;
        }
      });
    }

    function changed() {
      render();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function filter() {
      var q = search.value.trim().toLowerCase().replace(/\s+/g, "");
      var any = false;
      groups.forEach(function (g) {
        var shown = 0;
        g.items.forEach(function (it) {
          it.row.hidden = q !== "" && !matches(it.keys, q);
          if (!it.row.hidden) shown += 1;
        });
        g.el.hidden = shown === 0;
        if (q) g.el.open = shown > 0;
        any = any || shown > 0;
      });
      empty.hidden = any;
      render();
    }

    search.addEventListener("input", filter);
    // Enter in the search box must not submit the form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    // Groups holding a chosen unit start open, the others folded; with nothing chosen yet, the
    // first group (区县) is open.
    var anyChosen = items.some(function (it) { return it.option.selected; });
    groups.forEach(function (g, i) {
      g.el.open = anyChosen ? g.items.some(function (it) { return it.option.selected; }) : i === 0;
    });
    select.hidden = true;
    select.insertAdjacentElement("afterend", picker);
    render();
  }

  function init(root) {
    (root || document).querySelectorAll("select[data-unit-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  // Forms loaded into the page later (the task page's lazy cards) come through htmx.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
