/*
 * Every dashboard page: the Telegram theme's colours, filters that apply as they change,
 * and tables that sort by a click on a heading (those with data-sortable).
 */
(function () {
  "use strict";

  // Colours Telegram gave the Mini App (miniapp.js kept them), as CSS variables.
  try {
    var theme = JSON.parse(window.sessionStorage.getItem("ayil-theme") || "null");
    var names = { bg_color: "--bg", text_color: "--text", link_color: "--link",
      button_color: "--accent", button_text_color: "--accent-text",
      secondary_bg_color: "--panel", hint_color: "--hint" };
    if (theme) {
      Object.keys(names).forEach(function (key) {
        if (/^#[0-9a-fA-F]{3,8}$/.test(theme[key] || "")) {
          document.documentElement.style.setProperty(names[key], theme[key]);
        }
      });
    }
  } catch (ignored) {
    // No theme: the page's own colours.
  }

  // On a phone's screen the filters fold away (their summary says how many are chosen).
  if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
    document.querySelectorAll("details.filter-box").forEach(function (box) {
      box.open = false;
    });
  }

  // A filter applies as soon as it changes; the Apply button stays for pages without script.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () {
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  });

  function cellValue(row, index, numeric) {
    var cell = row.children[index];
    var value = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
    if (numeric) {
      var number = parseFloat(String(value).replace(/[\s\u00a0\u202f]/g, "").replace(",", "."));
      return isNaN(number) ? -Infinity : number;
    }
    return String(value).trim().toLocaleLowerCase();
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (head, index) {
      if (!head.dataset.sort) {
        return;
      }
      head.tabIndex = 0;
      head.classList.add("sortable");
      function sort() {
        var descending = head.getAttribute("aria-sort") !== "descending";
        heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var numeric = head.dataset.sort === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric);
          var y = cellValue(b, index, numeric);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      head.addEventListener("click", sort);
      head.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sort();
        }
      });
    });
  });
})();
