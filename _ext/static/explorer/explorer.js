/* The book's offline embedding explorer (chapters/explorer.md).
 *
 * Data: one script per space, _static/explorer/data_<space>.js (written by tools/build_explorer.py),
 * setting window.EXPLORER_DATA[<space>]; spaces.js lists the spaces built. Scripts are added to the
 * page when a space is first needed, so the page works from file:// with no server and no fetch().
 *
 * Neighbours: the cosine of the dequantized int8 vectors (scale * codes; the per-vector scale
 * cancels in a cosine), in float64 over every row, the query row excluded, ties broken by row order:
 * the same arithmetic as tools/build_explorer.py's int8_neighbours, which the browser test compares.
 *
 * The URL hash drives the page too: #space=glove&q=king&map=tsne&zoom=1&compare=king.
 */
(function () {
  "use strict";
  const ROOT = document.getElementById("explorer-app");
  if (!ROOT) return;
  const BASE = ROOT.dataset.base || "../_static/explorer/";
  const SPACES = window.EXPLORER_SPACES || [];
  const WORD_SPACES = ["glove", "static"];
  const loaded = {};
  const decoded = {};
  const state = { space: null, query: null, map: "tsne", compare: null, zoom: true };

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const scripts = {};
  function loadScript(file) {
    if (!scripts[file]) {
      scripts[file] = new Promise(function (resolve, reject) {
        const s = el("script", { src: BASE + file });
        s.onload = function () { resolve(); };
        s.onerror = function () { reject(new Error("could not load " + s.src)); };
        document.head.appendChild(s);
      });
    }
    return scripts[file];
  }

  function loadSpace(space) {
    if (!loaded[space]) {
      loaded[space] = loadScript("data_" + space + ".js").then(function () {
        const d = window.EXPLORER_DATA[space];
        return d.texts_file ? loadScript(d.texts_file) : null;
      }).then(function () { return decode(space); });
    }
    return loaded[space];
  }

  function b64bytes(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function decode(space) {
    if (decoded[space]) return decoded[space];
    const d = window.EXPLORER_DATA[space];
    if (d.texts_file) d.texts = window.EXPLORER_PASSAGES.texts;
    const codes = new Int8Array(b64bytes(d.codes).buffer);
    const scales = new Float32Array(b64bytes(d.scales).buffer);
    const n = d.n, dim = d.dim;
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * dim, e = j + dim; j < e; j++) s += codes[j] * codes[j];
      norms[i] = Math.sqrt(s);
    }
    const index = new Map();
    d.labels.forEach(function (w, i) { index.set(w, i); });
    decoded[space] = { d: d, codes: codes, scales: scales, norms: norms, index: index };
    return decoded[space];
  }

  /* The k rows of highest cosine with row i (itself excluded), best first, ties by row order. */
  function neighbours(D, i, k) {
    const dim = D.d.dim, n = D.d.n, c = D.codes;
    const qi = i * dim;
    const best = [];  // [cos, row], kept sorted, at most k
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      let dot = 0;
      for (let j = 0, o = r * dim; j < dim; j++) dot += c[qi + j] * c[o + j];
      const cos = dot / (D.norms[r] * D.norms[i]);
      if (best.length === k && !(cos > best[k - 1][0])) continue;
      let p = best.length;
      while (p > 0 && cos > best[p - 1][0]) p--;
      best.splice(p, 0, [cos, r]);
      if (best.length > k) best.pop();
    }
    return best.map(function (b) { return { row: b[1], cos: b[0] }; });
  }

  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  function mb(x) { return (x / 1e6).toFixed(1) + " MB"; }

  // ----------------------------------------------------------------- the page's controls
  ROOT.innerHTML = "";
  const controls = el("div", { class: "explorer-controls" });
  const spaceSel = el("select", { id: "explorer-space", "aria-label": "space" });
  SPACES.forEach(function (s) { spaceSel.appendChild(el("option", { value: s }, s)); });
  const query = el("input", { id: "explorer-query", type: "text", list: "explorer-options", size: "40",
                              autocomplete: "off", "aria-label": "word or passage" });
  const options = el("datalist", { id: "explorer-options" });
  const go = el("button", { id: "explorer-go", type: "button" }, "Show neighbours");
  const mapSel = el("select", { id: "explorer-map", "aria-label": "map" });
  [["tsne", "t-SNE map"], ["pca", "PCA map"]].forEach(function (m) { mapSel.appendChild(el("option", { value: m[0] }, m[1])); });
  const zoom = el("input", { id: "explorer-zoom", type: "checkbox" });
  zoom.checked = true;
  controls.append(el("label", { for: "explorer-space" }, "Space "), spaceSel, " ",
                  el("label", { for: "explorer-query" }, " Word or passage "), query, options, " ", go, " ", mapSel,
                  zoom, el("label", { for: "explorer-zoom" }, "zoom"));
  const about = el("p", { id: "explorer-about", class: "explorer-about" });
  const status = el("p", { id: "explorer-status", "data-state": "loading" }, "Loading…");
  const body = el("div", { class: "explorer-body" });
  const list = el("ol", { id: "explorer-neighbours", class: "explorer-neighbours" });
  const listBox = el("div", { class: "explorer-list" });
  const queryText = el("p", { id: "explorer-query-text", class: "explorer-passage" });
  listBox.append(queryText, list);
  const canvas = el("canvas", { id: "explorer-canvas", width: "640", height: "480", class: "explorer-canvas",
                                "aria-label": "2-D map of the space" });
  const mapNote = el("p", { id: "explorer-map-note", class: "explorer-about" });
  const mapBox = el("div", { class: "explorer-mapbox" });
  mapBox.append(canvas, mapNote);
  body.append(listBox, mapBox);

  const cmp = el("div", { class: "explorer-compare" });
  const cmpInput = el("input", { id: "explorer-compare-query", type: "text", list: "explorer-compare-options",
                                 size: "20", autocomplete: "off", "aria-label": "word to compare" });
  const cmpOptions = el("datalist", { id: "explorer-compare-options" });
  const cmpGo = el("button", { id: "explorer-compare-go", type: "button" }, "Compare");
  const cmpOut = el("div", { id: "explorer-compare-out", class: "explorer-compare-out" });
  const cmpStatus = el("p", { id: "explorer-compare-status", "data-state": "idle" });
  cmp.append(el("label", { for: "explorer-compare-query" }, "Word "), cmpInput, cmpOptions, " ", cmpGo, cmpStatus, cmpOut);
  const quant = el("div", { id: "explorer-quantization", class: "explorer-about" });

  ROOT.append(controls, about, status, body);
  const cmpHost = document.getElementById("explorer-compare-app") || ROOT;
  cmpHost.append(cmp);
  const quantHost = document.getElementById("explorer-quantization-app") || ROOT;
  quantHost.append(quant);

  function fillOptions(D, box, prefix) {
    box.innerHTML = "";
    if (!D) return;
    const p = prefix.toLowerCase();
    let n = 0;
    for (const label of D.d.labels) {
      if (label.toLowerCase().startsWith(p) || (D.d.kind === "passages" && p && label.toLowerCase().includes(p))) {
        box.appendChild(el("option", { value: label }));
        if (++n >= 40) break;
      }
    }
  }

  function rowOf(D, text) {
    const t = (text || "").trim();
    if (D.index.has(t)) return D.index.get(t);
    if (D.d.kind === "words" && D.index.has(t.toLowerCase())) return D.index.get(t.toLowerCase());
    if (D.d.kind === "passages" && /^\d+/.test(t)) {
      const i = parseInt(t, 10);
      if (i >= 0 && i < D.d.n) return i;
    }
    return -1;
  }

  // ----------------------------------------------------------------- the 2-D map
  function colours() {
    const cs = getComputedStyle(ROOT);
    return { fg: cs.color || "#222", dot: "rgba(128,128,128,0.35)", hit: "#e07b00", query: "#d62728" };
  }

  function drawMap(D, qrow, hits) {
    const ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, pad = 24;
    const c = colours();
    ctx.clearRect(0, 0, W, H);
    const m = D.d.maps[state.map];
    // the window drawn: the whole map, or (zoom) the box around the query and its drawn neighbours
    let x0 = 0, x1 = 10000, y0 = 0, y1 = 10000;
    const rows = hits.map(function (h) { return h.row; }).concat(qrow >= 0 ? [qrow] : [])
                     .filter(function (r) { return r < D.d.n_map; });
    if (state.zoom && rows.length > 1) {
      const xs = rows.map(function (r) { return m[2 * r]; }), ys = rows.map(function (r) { return m[2 * r + 1]; });
      x0 = Math.min.apply(null, xs); x1 = Math.max.apply(null, xs); y0 = Math.min.apply(null, ys); y1 = Math.max.apply(null, ys);
      const side = Math.max(x1 - x0, y1 - y0, 200) * 1.3, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      x0 = cx - side / 2; x1 = cx + side / 2; y0 = cy - side / 2; y1 = cy + side / 2;
    }
    const x = function (i) { return pad + ((m[2 * i] - x0) / (x1 - x0)) * (W - 2 * pad); };
    const y = function (i) { return H - pad - ((m[2 * i + 1] - y0) / (y1 - y0)) * (H - 2 * pad); };
    ctx.fillStyle = c.dot;
    ctx.save(); ctx.beginPath(); ctx.rect(0, 0, W, H); ctx.clip();
    const zoomed = state.zoom && rows.length > 1;
    for (let i = 0; i < D.d.n_map; i++) ctx.fillRect(x(i) - 1, y(i) - 1, zoomed ? 3 : 2, zoomed ? 3 : 2);
    if (zoomed) {  // the other rows, named, where they fit
      ctx.fillStyle = c.dot; ctx.font = "12px sans-serif";
      const short0 = function (i) { return D.d.kind === "words" ? D.d.labels[i] : String(i); };
      for (let i = 0; i < D.d.n_map; i++) {
        const px = x(i), py = y(i);
        if (px > 0 && px < W && py > 0 && py < H && rows.indexOf(i) < 0) ctx.fillText(short0(i), px + 3, py - 3);
      }
    }
    ctx.font = "15px sans-serif";
    const shown = [];
    const short = function (i) { return D.d.kind === "words" ? D.d.labels[i] : String(i); };
    hits.forEach(function (h) {
      if (h.row >= D.d.n_map) return;
      shown.push(h.row);
      ctx.fillStyle = c.hit;
      ctx.beginPath(); ctx.arc(x(h.row), y(h.row), 4, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = c.fg; ctx.fillText(short(h.row), x(h.row) + 5, y(h.row) - 5);
    });
    let qnote = "";
    if (qrow >= 0 && qrow < D.d.n_map) {
      ctx.fillStyle = c.query;
      ctx.beginPath(); ctx.arc(x(qrow), y(qrow), 6, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = c.fg; ctx.font = "bold 16px sans-serif"; ctx.fillText(short(qrow), x(qrow) + 7, y(qrow) + 4);
    } else if (qrow >= 0) {
      qnote = " The query is not among the rows drawn.";
    }
    ctx.restore();
    const what = D.d.kind === "words" ? "the " + D.d.n_map.toLocaleString("en") + " most frequent words"
                                      : "all " + D.d.n_map.toLocaleString("en") + " passages";
    let mapName = state.map === "pca" ? "PCA (first two components, " +
        pct(D.d.maps.pca_variance[0] + D.d.maps.pca_variance[1]) + " of the variance)" : "t-SNE (of the first 50 principal components)";
    mapNote.textContent = "Map: " + mapName + " of " + what + (zoomed ? ", zoomed on the query and its neighbours" : "") +
        "; red the query, orange its neighbours (" + shown.length + " of " + hits.length + " are drawn)." + qnote;
  }

  // ----------------------------------------------------------------- neighbours of one query
  function describe(D) {
    const q = D.d.quantization;
    about.textContent = D.d.title + ": " + D.d.about + " " + D.d.n.toLocaleString("en") + " rows, " + D.d.dim +
        " dimensions, stored as int8 with one scale per vector (" + mb(q.bytes_int8) + " instead of " + mb(q.bytes_float32) +
        " in float32); the int8 top-" + q.k + " lists keep " + pct(q.overlap) + " of the float32 neighbours.";
  }

  function show() {
    const space = state.space;
    status.dataset.state = "loading";
    status.textContent = "Loading " + space + "…";
    return loadSpace(space).then(function (D) {
      if (space !== state.space) return;
      describe(D);
      let qrow = state.query === null ? -1 : rowOf(D, state.query);
      if (state.query === null || state.query === "") qrow = D.d.kind === "words" && D.index.has("king") ? D.index.get("king") : 0;
      list.innerHTML = "";
      queryText.textContent = "";
      if (qrow < 0) {
        status.dataset.state = "unknown";
        status.textContent = "“" + state.query + "” is not in this space's " + D.d.n.toLocaleString("en") + " " + D.d.kind + ".";
        drawMap(D, -1, []);
        return;
      }
      query.value = D.d.labels[qrow];
      const hits = neighbours(D, qrow, D.d.k);
      if (D.d.kind === "passages") queryText.textContent = D.d.texts[qrow];
      hits.forEach(function (h) {
        const li = el("li", { "data-row": String(h.row), "data-label": D.d.labels[h.row], "data-cos": h.cos.toFixed(6) });
        const a = el("button", { type: "button", class: "explorer-link", title: "its neighbours" }, D.d.labels[h.row]);
        a.addEventListener("click", function () { state.query = D.d.labels[h.row]; show(); });
        li.append(a, el("span", { class: "explorer-cos" }, "  " + h.cos.toFixed(3)));
        if (D.d.kind === "passages") li.append(el("div", { class: "explorer-snippet" }, D.d.texts[h.row].slice(0, 160) + "…"));
        list.appendChild(li);
      });
      drawMap(D, qrow, hits);
      const h = new URLSearchParams({ space: space, q: D.d.kind === "words" ? D.d.labels[qrow] : String(qrow), map: state.map,
                                      zoom: state.zoom ? "1" : "0", compare: state.compare || "" });
      if (history.replaceState) history.replaceState(null, "", "#" + h.toString());   // a link to what is shown
      status.dataset.state = "ready";
      status.dataset.space = space;
      status.dataset.query = D.d.labels[qrow];
      status.textContent = "The " + hits.length + " nearest " + D.d.kind + " to “" + D.d.labels[qrow] + "” by cosine:";
    }).catch(function (e) {
      status.dataset.state = "error";
      status.textContent = String(e);
    });
  }

  // ----------------------------------------------------------------- one word in two word spaces
  function compare() {
    const word = (state.compare || "").trim().toLowerCase();
    const spaces = WORD_SPACES.filter(function (s) { return SPACES.indexOf(s) >= 0; });
    cmpStatus.dataset.state = "loading";
    return Promise.all(spaces.map(loadSpace)).then(function (Ds) {
      cmpOut.innerHTML = "";
      const lists = [];
      Ds.forEach(function (D) {
        const r = rowOf(D, word);
        lists.push(r < 0 ? null : neighbours(D, r, D.d.k).map(function (h) { return [D.d.labels[h.row], h.cos]; }));
      });
      if (lists.some(function (l) { return l === null; })) {
        cmpStatus.dataset.state = "unknown";
        cmpStatus.textContent = "“" + word + "” is not in the word spaces' vocabulary.";
        return;
      }
      const sets = lists.map(function (l) { return new Set(l.map(function (p) { return p[0]; })); });
      const shared = lists[0].filter(function (p) { return sets[1].has(p[0]); }).map(function (p) { return p[0]; });
      Ds.forEach(function (D, j) {
        const col = el("div", { class: "explorer-compare-col" });
        col.appendChild(el("strong", {}, D.d.title));
        const ol = el("ol", { id: "explorer-compare-" + D.d.id });
        lists[j].forEach(function (p) {
          const li = el("li", { "data-label": p[0], "data-cos": p[1].toFixed(6), class: sets[1 - j].has(p[0]) ? "explorer-shared" : "" });
          li.append(el("span", {}, p[0]), el("span", { class: "explorer-cos" }, "  " + p[1].toFixed(3)));
          ol.appendChild(li);
        });
        col.appendChild(ol);
        cmpOut.appendChild(col);
      });
      cmpStatus.dataset.state = "ready";
      cmpStatus.dataset.overlap = String(shared.length);
      cmpStatus.textContent = "“" + word + "”: " + shared.length + " of " + lists[0].length + " neighbours are in both lists" +
          (shared.length ? " (" + shared.join(", ") + ", in bold)." : ".");
    }).catch(function (e) {
      cmpStatus.dataset.state = "error";
      cmpStatus.textContent = String(e);
    });
  }

  // ----------------------------------------------------------------- what int8 costs, per space
  function quantTable() {
    const rows = SPACES.map(function (s) { return window.EXPLORER_QUANT && window.EXPLORER_QUANT[s] ? [s, window.EXPLORER_QUANT[s]] : null; })
                       .filter(Boolean);
    if (!rows.length) return;
    const t = el("table", { class: "explorer-quant-table" });
    const head = el("tr");
    ["space", "int8 size", "float32 size", "top-10 neighbours kept", "worst row", "rows with all kept", "rows asked"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      const q = r[1], tr = el("tr", { "data-space": r[0] });
      [r[0], mb(q.bytes_int8), mb(q.bytes_float32), pct(q.overlap), pct(q.min_row_overlap), pct(q.share_identical),
       String(q.n_queries)].forEach(function (v) { tr.appendChild(el("td", {}, v)); });
      t.appendChild(tr);
    });
    quant.appendChild(t);
  }

  // ----------------------------------------------------------------- wiring
  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (h.get("space") && SPACES.indexOf(h.get("space")) >= 0) state.space = h.get("space");
    if (h.has("q")) state.query = h.get("q");
    if (h.get("map") === "pca" || h.get("map") === "tsne") state.map = h.get("map");
    if (h.has("compare")) state.compare = h.get("compare");
    if (h.has("zoom")) state.zoom = h.get("zoom") !== "0";
  }

  function sync() {
    spaceSel.value = state.space;
    mapSel.value = state.map;
    zoom.checked = state.zoom;
    cmpInput.value = state.compare || "";
    return Promise.all([show(), compare()]);
  }

  spaceSel.addEventListener("change", function () { state.space = spaceSel.value; state.query = null; show(); });
  mapSel.addEventListener("change", function () { state.map = mapSel.value; show(); });
  zoom.addEventListener("change", function () { state.zoom = zoom.checked; show(); });
  query.addEventListener("input", function () { if (decoded[state.space]) fillOptions(decoded[state.space], options, query.value); });
  query.addEventListener("change", function () { state.query = query.value; show(); });
  query.addEventListener("keydown", function (e) { if (e.key === "Enter") { state.query = query.value; show(); } });
  go.addEventListener("click", function () { state.query = query.value; show(); });
  cmpInput.addEventListener("input", function () { if (decoded.glove) fillOptions(decoded.glove, cmpOptions, cmpInput.value); });
  cmpInput.addEventListener("keydown", function (e) { if (e.key === "Enter") { state.compare = cmpInput.value; compare(); } });
  cmpGo.addEventListener("click", function () { state.compare = cmpInput.value; compare(); });
  window.addEventListener("hashchange", function () { readHash(); sync(); });
  new MutationObserver(function () { if (decoded[state.space] && status.dataset.state === "ready") show(); })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "data-mode"] });

  state.space = SPACES[0] || null;
  state.compare = "king";
  readHash();
  quantTable();
  if (!state.space) {
    status.dataset.state = "error";
    status.textContent = "No space has been built: run tools/build_explorer.py.";
    return;
  }
  sync();
  window.EXPLORER = { neighbours: neighbours, load: loadSpace, state: state, show: show, compare: compare };
})();
