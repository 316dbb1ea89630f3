// The schema viewer: pan and zoom the server-rendered diagram, select a
// table to highlight its relationships, and show its details from the JSON
// export. No dependencies; everything it needs is in the page.
(function () {
  "use strict";

  const schema = JSON.parse(document.getElementById("schema-data").textContent);
  const viewport = document.getElementById("viewport");
  const svg = viewport.querySelector("svg");
  const panel = document.getElementById("panel");
  const search = document.getElementById("search");
  const tables = new Map();
  for (const table of schema.tables) tables.set(table.name, table);
  const boxes = new Map();
  for (const g of svg.querySelectorAll("g.table")) boxes.set(g.dataset.table, g);
  const edges = Array.from(svg.querySelectorAll("g.edge"));

  // ---- Zoom and pan, by moving the viewBox. ----------------------------
  const full = svg.viewBox.baseVal;
  const whole = { x: full.x, y: full.y, w: full.width, h: full.height };
  let view = Object.assign({}, whole);
  svg.removeAttribute("width");
  svg.removeAttribute("height");

  function apply() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }

  // Diagram coordinates of a point on the screen.
  function toDiagram(clientX, clientY) {
    const point = svg.createSVGPoint();
    point.x = clientX;
    point.y = clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function zoomAt(clientX, clientY, factor) {
    const minimum = whole.w / 40;
    const maximum = whole.w * 3;
    const width = Math.min(maximum, Math.max(minimum, view.w * factor));
    factor = width / view.w;
    const p = toDiagram(clientX, clientY);
    view = {
      x: p.x - (p.x - view.x) * factor,
      y: p.y - (p.y - view.y) * factor,
      w: view.w * factor,
      h: view.h * factor,
    };
    apply();
  }

  function zoomCentre(factor) {
    const r = viewport.getBoundingClientRect();
    zoomAt(r.left + r.width / 2, r.top + r.height / 2, factor);
  }

  function fit() {
    view = Object.assign({}, whole);
    apply();
  }

  // Shows a region of the diagram, keeping the viewport's proportions.
  function show(x, y, w, h) {
    const r = viewport.getBoundingClientRect();
    const aspect = r.height / Math.max(1, r.width);
    let width = Math.max(w, h / aspect);
    let height = width * aspect;
    view = { x: x + w / 2 - width / 2, y: y + h / 2 - height / 2, w: width, h: height };
    apply();
  }

  viewport.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      // Trackpad pinches arrive as wheel events with ctrlKey and small deltas.
      const speed = event.ctrlKey ? 0.01 : 0.0015;
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      zoomAt(event.clientX, event.clientY, Math.exp(delta * speed));
    },
    { passive: false },
  );

  const pointers = new Map();
  let gesture = null;

  viewport.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    viewport.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 1) {
      gesture = {
        moved: 0,
        target: event.target,
        last: { x: event.clientX, y: event.clientY },
      };
    } else if (gesture) {
      gesture.moved = Infinity; // a pinch is never a click
    }
  });

  viewport.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    const before = Array.from(pointers.values());
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    const after = Array.from(pointers.values());
    if (after.length === 1) {
      const dx = event.clientX - gesture.last.x;
      const dy = event.clientY - gesture.last.y;
      gesture.last = { x: event.clientX, y: event.clientY };
      gesture.moved += Math.abs(dx) + Math.abs(dy);
      if (gesture.moved > 4) viewport.classList.add("dragging");
      const scale = svg.getScreenCTM().a;
      view.x -= dx / scale;
      view.y -= dy / scale;
      apply();
    } else if (after.length === 2) {
      const distance = (p) => Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
      const d0 = distance(before);
      const d1 = distance(after);
      if (d0 > 0 && d1 > 0) {
        zoomAt((after[0].x + after[1].x) / 2, (after[0].y + after[1].y) / 2, d0 / d1);
      }
    }
  });

  function release(event) {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (pointers.size > 0) return;
    viewport.classList.remove("dragging");
    const finished = gesture;
    gesture = null;
    if (event.type === "pointerup" && finished && finished.moved <= 4) {
      const box = finished.target.closest && finished.target.closest("g.table");
      if (box) select(box.dataset.table, false);
      else clear();
    }
  }
  viewport.addEventListener("pointerup", release);
  viewport.addEventListener("pointercancel", release);

  document.getElementById("zoom-in").addEventListener("click", () => zoomCentre(1 / 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomCentre(1.25));
  document.getElementById("zoom-fit").addEventListener("click", fit);
  document.addEventListener("keydown", (event) => {
    if (event.target === search) return;
    if (event.key === "+" || event.key === "=") zoomCentre(1 / 1.25);
    else if (event.key === "-") zoomCentre(1.25);
    else if (event.key === "0") fit();
    else if (event.key === "Escape") clear();
    else if (event.key === "/") {
      event.preventDefault();
      search.focus();
    }
  });

  // ---- Selection. -------------------------------------------------------
  let selected = null;

  function resetClasses() {
    for (const g of boxes.values()) g.classList.remove("selected", "related", "faded");
    for (const e of edges) e.classList.remove("highlight", "faded");
    for (const c of svg.querySelectorAll("g.column.highlight")) c.classList.remove("highlight");
  }

  function highlightColumns(table, columns) {
    const box = boxes.get(table);
    if (!box) return;
    for (const column of columns) {
      const row = box.querySelector(`g.column[data-column="${CSS.escape(column)}"]`);
      if (row) row.classList.add("highlight");
    }
  }

  function clear() {
    selected = null;
    resetClasses();
    renderOverview();
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }

  function select(name, focus) {
    if (!boxes.has(name)) return;
    selected = name;
    resetClasses();
    const related = new Set([name]);
    for (const edge of edges) {
      const { from, to } = edge.dataset;
      if (from === name || to === name) {
        edge.classList.add("highlight");
        related.add(from);
        related.add(to);
        highlightColumns(from, edge.dataset.fromColumns.split(","));
        highlightColumns(to, edge.dataset.toColumns.split(","));
      } else {
        edge.classList.add("faded");
      }
    }
    for (const [table, box] of boxes) {
      if (table === name) box.classList.add("selected");
      else if (related.has(table)) box.classList.add("related");
      else box.classList.add("faded");
    }
    renderTable(name);
    if (focus) {
      // Frame the table and the tables it connects to.
      let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
      for (const table of related) {
        const box = boxes.get(table) && boxes.get(table).querySelector("rect.box");
        if (!box) continue;
        left = Math.min(left, box.x.baseVal.value);
        top = Math.min(top, box.y.baseVal.value);
        right = Math.max(right, box.x.baseVal.value + box.width.baseVal.value);
        bottom = Math.max(bottom, box.y.baseVal.value + box.height.baseVal.value);
      }
      const width = Math.max(right - left + 120, 900);
      const height = bottom - top + 120;
      show((left + right) / 2 - width / 2, (top + bottom) / 2 - height / 2, width, height);
    }
    history.replaceState(null, "", "#" + encodeURIComponent(name));
  }

  // ---- The side panel. ----------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function tableLink(name) {
    const button = el("button", { type: "button", class: "link", "data-goto": name }, name);
    button.addEventListener("click", () => select(name, true));
    return button;
  }

  function chip(kind) {
    return el("span", { class: "chip " + kind.toLowerCase() }, kind);
  }

  function renderOverview() {
    const groups = new Map();
    for (const table of schema.tables) {
      if (!groups.has(table.group)) groups.set(table.group, []);
      groups.get(table.group).push(table.name);
    }
    const sections = [];
    for (const [group, names] of groups) {
      sections.push(el("h3", {}, group));
      sections.push(el("p", { class: "tables-list" }, ...names.map(tableLink)));
    }
    panel.replaceChildren(
      el("h2", {}, `${schema.tables.length} tables`),
      el("p", { class: "group" }, `Read live from the ${schema.backend} database.`),
      el(
        "p",
        {},
        "Click a table to highlight it and every table it connects to; drag to pan; " +
          "wheel or pinch to zoom; type a name in the search box to jump to a table.",
      ),
      ...sections,
    );
  }

  function columnKinds(table, column) {
    const kinds = [];
    if (table.primary_key && table.primary_key.columns.includes(column)) kinds.push("PK");
    if (table.foreign_keys.some((fk) => fk.columns.includes(column))) kinds.push("FK");
    if (table.indexes.some((i) => i.unique && i.keys.length === 1 && i.keys[0].replace(/^\w+\((.*)\)$/, "$1") === column)) {
      if (!kinds.includes("PK")) kinds.push("UK");
    }
    return kinds;
  }

  function renderTable(name) {
    const table = tables.get(name);
    if (!table) return;
    const parts = [el("h2", {}, table.name), el("p", { class: "group" }, `${table.group} area`)];
    if (table.note) parts.push(el("p", { class: "note" }, table.note));

    parts.push(el("h3", {}, `Columns (${table.columns.length})`));
    const rows = table.columns.map((column) =>
      el(
        "tr",
        {},
        el(
          "td",
          {},
          ...columnKinds(table, column.name).map(chip),
          el("strong", {}, column.name),
          column.note ? el("span", { class: "sub" }, column.note) : null,
        ),
        el(
          "td",
          { class: "type" },
          column.logical_type,
          column.nullable ? "" : " ",
          column.nullable ? null : chip("NN"),
          column.default !== null && column.default !== undefined
            ? el("span", { class: "sub" }, "default ", el("code", {}, column.default))
            : null,
        ),
      ),
    );
    parts.push(el("table", {}, el("tbody", {}, ...rows)));

    if (table.foreign_keys.length) {
      parts.push(el("h3", {}, "References"));
      parts.push(
        el(
          "ul",
          {},
          ...table.foreign_keys.map((fk) =>
            el(
              "li",
              {},
              el("code", {}, fk.columns.join(", ")),
              " → ",
              tableLink(fk.references_table),
              " ",
              el("code", {}, fk.references_columns.join(", ")),
              el("span", { class: "sub" }, `${fk.name}; on delete ${fk.on_delete.toLowerCase()}`),
            ),
          ),
        ),
      );
    }
    const incoming = [];
    for (const other of schema.tables) {
      for (const fk of other.foreign_keys) {
        if (fk.references_table === name && other.name !== name) incoming.push([other.name, fk]);
      }
    }
    if (incoming.length) {
      parts.push(el("h3", {}, "Referenced by"));
      parts.push(
        el(
          "ul",
          {},
          ...incoming.map(([other, fk]) =>
            el("li", {}, tableLink(other), " ", el("code", {}, fk.columns.join(", "))),
          ),
        ),
      );
    }

    parts.push(el("h3", {}, `Indexes (${table.indexes.length})`));
    if (!table.indexes.length) parts.push(el("p", { class: "group" }, "None besides the primary key."));
    parts.push(
      el(
        "ul",
        {},
        ...table.indexes.map((index) =>
          el(
            "li",
            { "data-index": index.name },
            el("strong", {}, index.name),
            " ",
            index.unique ? chip("unique") : null,
            index.predicate ? chip("partial") : null,
            index.include.length ? chip("covering") : null,
            el("span", { class: "sub" }, "on ", el("code", {}, index.keys.join(", "))),
            index.include.length
              ? el("span", { class: "sub" }, "include ", el("code", {}, index.include.join(", ")))
              : null,
            index.predicate ? el("span", { class: "sub" }, "where ", el("code", {}, index.predicate)) : null,
          ),
        ),
      ),
    );

    if (table.checks.length) {
      parts.push(el("h3", {}, `Checks (${table.checks.length})`));
      parts.push(
        el(
          "ul",
          {},
          ...table.checks.map((check) =>
            el(
              "li",
              {},
              el("strong", {}, check.name),
              check.dialect_only ? " " : null,
              check.dialect_only ? chip("SQLite only") : null,
              el("span", { class: "sub" }, el("code", {}, check.normalized)),
            ),
          ),
        ),
      );
    }
    if (table.triggers.length) {
      parts.push(el("h3", {}, "Triggers"));
      parts.push(
        el(
          "ul",
          {},
          ...table.triggers.map((trigger) =>
            el(
              "li",
              {},
              el("strong", {}, trigger.name),
              el(
                "span",
                { class: "sub" },
                `${trigger.timing} ${trigger.events.join(" or ")}`,
                trigger.rejects_with ? `: rejects with “${trigger.rejects_with}”` : "",
              ),
            ),
          ),
        ),
      );
    }
    panel.replaceChildren(...parts);
    panel.scrollTop = 0;
  }

  // ---- Search. --------------------------------------------------------------
  const names = schema.tables.map((t) => t.name);
  document.getElementById("table-names").replaceChildren(...names.map((n) => el("option", { value: n })));

  function find(text) {
    const query = text.trim().toLowerCase();
    if (!query) return null;
    return (
      names.find((n) => n === query) ||
      names.find((n) => n.startsWith(query)) ||
      names.find((n) => n.includes(query)) ||
      null
    );
  }

  search.addEventListener("input", () => {
    if (names.includes(search.value.trim())) select(search.value.trim(), true);
  });
  search.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = find(search.value);
    if (name) {
      search.value = name;
      select(name, true);
    }
  });

  // ---- Start. ----------------------------------------------------------------
  apply();
  const initial = decodeURIComponent(location.hash.slice(1));
  if (boxes.has(initial)) select(initial, true);
  else renderOverview();
  document.documentElement.dataset.ready = "true";
})();
