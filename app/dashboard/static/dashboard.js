// The coverage dashboard: reads /stats/* and draws the map, the ward table, the backlog
// reasons and the timeline. Every figure cell keeps its raw value in data-value; the body's
// data-ready turns "true" once everything is drawn ("error" when the figures failed to load).
"use strict";

(function () {
  const LABELS = JSON.parse(document.getElementById("labels").textContent);
  const TOWN = "town";

  const integer = new Intl.NumberFormat("vi-VN");
  const percent = new Intl.NumberFormat("vi-VN", {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const hectares = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

  // certified share classes of the map, ColorBrewer Greens
  const CLASSES = [
    { below: 0.2, colour: "#edf8e9", label: "Dưới 20%" },
    { below: 0.4, colour: "#bae4b3", label: "20% – dưới 40%" },
    { below: 0.6, colour: "#74c476", label: "40% – dưới 60%" },
    { below: 0.8, colour: "#31a354", label: "60% – dưới 80%" },
    { below: Infinity, colour: "#006d2c", label: "Từ 80% trở lên" },
  ];
  const BEHIND_COLOUR = "#c0392b";

  const state = { map: null, wardLayer: null, layers: new Map(), chart: null, timeline: null };

  // --- small helpers -------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function formatDate(iso) {
    if (!iso) return null;
    const [year, month, day] = iso.slice(0, 10).split("-");
    return `${day}/${month}/${year}`;
  }

  function formatShare(value) {
    return value === null || value === undefined ? "–" : percent.format(value);
  }

  function classOf(share) {
    return CLASSES.find((c) => share < c.below) || CLASSES[CLASSES.length - 1];
  }

  async function fetchJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch (_) {
        // not a problem document: keep the status line
      }
      throw new Error(`${url}: ${detail}`);
    }
    return response.json();
  }

  function showMessage(text, kind) {
    const message = document.getElementById("message");
    message.textContent = text;
    message.className = `message ${kind || ""}`.trim();
    message.hidden = !text;
  }

  function setField(name, text, value) {
    for (const node of document.querySelectorAll(`[data-field="${name}"]`)) {
      node.textContent = text;
      if (value !== undefined) node.dataset.value = String(value);
    }
  }

  function targetText(ward) {
    if (ward.target_share === null || ward.target_share === undefined) return "Chưa đặt chỉ tiêu";
    const parts = [`Chỉ tiêu năm ${ward.target_year}: ${formatShare(ward.target_share)}`];
    if (ward.expected_share !== null && ward.expected_share !== undefined) {
      parts.unshift(`Dự kiến đến nay: ${formatShare(ward.expected_share)}`);
    }
    return parts.join(" · ");
  }

  function completionText(ward) {
    if (ward.projected_completion) return formatDate(ward.projected_completion);
    return ward.not_certified === 0 ? "Đã hoàn thành" : "Chưa xác định";
  }

  // --- the map -------------------------------------------------------------------------

  function tooltipOf(ward) {
    return el(
      "div",
      { className: "tip" },
      el("strong", {}, ward.ward_name),
      el("br"),
      `Đã cấp GCN: ${formatShare(ward.certified_share)} (${integer.format(ward.certified)}/${integer.format(ward.parcels)} thửa)`,
      ward.behind ? el("br") : null,
      ward.behind ? el("span", { className: "flag behind" }, "Chậm tiến độ") : null,
    );
  }

  function popupOf(ward) {
    const rows = [
      ["Số thửa", integer.format(ward.parcels)],
      ["Diện tích các thửa", `${hectares.format(ward.area_m2 / 10000)} ha`],
      ["Đã đăng ký", integer.format(ward.registered)],
      ["Đã cấp GCN", `${integer.format(ward.certified)} (${formatShare(ward.certified_share)})`],
      ["Tỷ lệ theo diện tích", formatShare(ward.certified_area_share)],
      ["GCN đã ký, chưa trao", integer.format(ward.in_custody)],
      ["Đã xác nhận nguồn gốc, thời điểm", integer.format(ward.confirmed)],
      ["Đang tranh chấp", integer.format(ward.open_disputes)],
      [
        "Hồ sơ bị trả lại",
        `${integer.format(ward.returned_this_month)} trong tháng, ${integer.format(ward.returned_total)} tất cả`,
      ],
      ["Tiến độ", targetText(ward)],
      ["Tốc độ 4 tuần gần nhất", `${hectares.format(ward.weekly_rate || 0)} thửa/tuần`],
      ["Dự kiến hoàn thành", completionText(ward)],
    ];
    return el(
      "div",
      { className: "popup" },
      el("h3", {}, `${ward.ward_name} (${ward.ward_code})`),
      el("dl", {}, rows.map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)])),
    );
  }

  function legend() {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      const box = el("div", { className: "legend" }, el("strong", {}, "Tỷ lệ thửa đã cấp GCN"));
      for (const c of CLASSES) {
        const swatch = el("span", { className: "swatch" });
        swatch.style.background = c.colour;
        box.append(el("div", { className: "legend-row" }, swatch, c.label));
      }
      const behind = el("span", { className: "swatch swatch-behind" });
      box.append(el("div", { className: "legend-row" }, behind, "Viền đỏ: chậm tiến độ"));
      return box;
    };
    return control;
  }

  function drawMap(collection) {
    if (!state.map) {
      // SVG: each ward is a <path> in the page, not pixels on a canvas; no base map
      state.map = L.map("map", { renderer: L.svg(), attributionControl: false, zoomSnap: 0.25 });
      legend().addTo(state.map);
    }
    if (state.wardLayer) state.wardLayer.remove();
    state.layers.clear();
    const layer = L.geoJSON(collection, {
      className: "ward-area",
      style: (feature) => {
        const ward = feature.properties;
        return {
          color: ward.behind ? BEHIND_COLOUR : "#4a4a4a",
          weight: ward.behind ? 2.5 : 1,
          dashArray: ward.behind ? "5 3" : null,
          fillColor: classOf(ward.certified_share).colour,
          fillOpacity: 0.85,
        };
      },
      onEachFeature: (feature, wardLayer) => {
        const ward = feature.properties;
        wardLayer.bindTooltip(tooltipOf(ward), { sticky: true });
        wardLayer.bindPopup(popupOf(ward));
        state.layers.set(ward.ward_code, wardLayer);
      },
    });
    // fit before adding: vector layers need the map's view
    state.map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    layer.addTo(state.map);
    layer.eachLayer((wardLayer) => {
      const path = wardLayer.getElement();
      path.dataset.wardCode = wardLayer.feature.properties.ward_code;
      path.dataset.certifiedShare = String(wardLayer.feature.properties.certified_share);
    });
    state.wardLayer = layer;
  }

  function focusWard(code) {
    const layer = state.layers.get(code);
    if (!layer) return;
    // no animation: the popup pans the map into view from where the map ends up
    state.map.fitBounds(layer.getBounds(), { padding: [20, 20], animate: false });
    layer.openPopup();
    document.getElementById("map").scrollIntoView({ behavior: "smooth", block: "center" });
  }

  // --- the ward table ------------------------------------------------------------------

  function numberCell(field, value) {
    return el("td", { className: "num", dataset: { field, value } }, integer.format(value));
  }

  function shareCell(ward) {
    const fill = el("span", { className: "bar-fill" });
    fill.style.width = `${Math.min(100, ward.certified_share * 100)}%`;
    fill.style.background = classOf(ward.certified_share).colour;
    const bar = el(
      "span",
      {
        className: "bar",
        role: "progressbar",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": Math.round(ward.certified_share * 1000) / 10,
        "aria-label": `Tỷ lệ cấp GCN ${formatShare(ward.certified_share)}`,
      },
      fill,
    );
    if (ward.expected_share !== null && ward.expected_share !== undefined) {
      const mark = el("span", { className: "bar-expected", title: targetText(ward) });
      mark.style.left = `${Math.min(100, ward.expected_share * 100)}%`;
      bar.append(mark);
    }
    return el(
      "td",
      {
        className: "share",
        dataset: {
          field: "certified_share",
          value: ward.certified_share,
          expected: ward.expected_share ?? "",
          target: ward.target_share ?? "",
        },
      },
      el("span", { className: "share-text" }, formatShare(ward.certified_share)),
      bar,
      el("span", { className: "share-target" }, targetText(ward)),
    );
  }

  function behindCell(ward) {
    const content = ward.behind
      ? [
          el("span", { className: "flag behind" }, "Chậm tiến độ"),
          ward.parcels_to_expected
            ? el("span", { className: "hint" }, ` thiếu ${integer.format(ward.parcels_to_expected)} thửa`)
            : null,
        ]
      : el("span", { className: "flag on-track" }, "Đúng tiến độ");
    return el("td", { dataset: { field: "behind", value: ward.behind } }, content);
  }

  function row(ward, code) {
    const tr = el(
      "tr",
      { dataset: { wardCode: code }, className: ward.behind ? "is-behind" : null },
      el("td", { dataset: { field: "ward_code", value: code } }, code === TOWN ? "" : code),
      el("th", { scope: "row", dataset: { field: "ward_name" } }, ward.ward_name),
      numberCell("parcels", ward.parcels),
      numberCell("certified", ward.certified),
      shareCell(ward),
      behindCell(ward),
      el(
        "td",
        { dataset: { field: "projected_completion", value: ward.projected_completion || "" } },
        completionText(ward),
      ),
    );
    if (code !== TOWN) {
      tr.tabIndex = 0;
      tr.title = "Xem trên bản đồ";
      tr.addEventListener("click", () => focusWard(code));
      tr.addEventListener("keydown", (event) => {
        if (event.key === "Enter") focusWard(code);
      });
    }
    return tr;
  }

  function drawTable(wards, summary) {
    const table = document.getElementById("wards");
    table.tBodies[0].replaceChildren(...wards.map((ward) => row(ward, ward.ward_code)));
    table.tFoot.replaceChildren(row({ ...summary, ward_name: "Toàn địa bàn" }, TOWN));
  }

  function drawSummary(summary) {
    setField("town-parcels", integer.format(summary.parcels), summary.parcels);
    setField("town-registered", integer.format(summary.registered), summary.registered);
    setField("town-certified", integer.format(summary.certified), summary.certified);
    setField("town-certified-share", formatShare(summary.certified_share), summary.certified_share);
    setField("town-in-custody", integer.format(summary.in_custody), summary.in_custody);
    setField(
      "town-wards-behind",
      `${integer.format(summary.wards_behind.length)}/${integer.format(summary.wards)}`,
      summary.wards_behind.length,
    );
    setField("town-not-certified", integer.format(summary.not_certified), summary.not_certified);
  }

  // --- backlog reasons -----------------------------------------------------------------

  function drawBacklog(summary) {
    const rows = Object.entries(LABELS.backlog).map(([reason, label]) => {
      const count = summary.backlog[reason] || 0;
      const share = summary.not_certified ? count / summary.not_certified : 0;
      const fill = el("span", { className: "bar-fill" });
      fill.style.width = `${Math.min(100, share * 100)}%`;
      return el(
        "tr",
        { dataset: { reason } },
        el("th", { scope: "row" }, label),
        el("td", { className: "num", dataset: { field: "backlog", reason, value: count } }, integer.format(count)),
        el("td", { className: "share" }, el("span", { className: "bar bar-backlog" }, fill), ` ${formatShare(share)}`),
      );
    });
    document.getElementById("backlog").tBodies[0].replaceChildren(...rows);
  }

  // --- the timeline --------------------------------------------------------------------

  function fillSeriesChoice(timeline) {
    const select = document.getElementById("timeline-series");
    const chosen = select.value;
    select.replaceChildren(
      ...timeline.series.map((series) =>
        el("option", { value: series.ward_code || TOWN }, series.ward_code ? series.ward_name : "Toàn địa bàn"),
      ),
    );
    if (chosen && [...select.options].some((o) => o.value === chosen)) select.value = chosen;
  }

  function drawTimeline() {
    const timeline = state.timeline;
    const chosen = document.getElementById("timeline-series").value || TOWN;
    const series =
      timeline.series.find((s) => (s.ward_code || TOWN) === chosen) || timeline.series[0];
    const points = series ? series.points : [];
    const provisional = (context) => points[context.p1DataIndex] && points[context.p1DataIndex].provisional;
    const data = {
      labels: points.map((p) => formatDate(p.period_end) + (p.provisional ? " (tạm tính)" : "")),
      datasets: [
        {
          label: `Tỷ lệ đã cấp GCN – ${series && series.ward_code ? series.ward_name : "Toàn địa bàn"}`,
          data: points.map((p) => p.certified_share),
          borderColor: "#1f7a3a",
          backgroundColor: "#1f7a3a",
          borderWidth: 2.5,
          segment: { borderDash: (context) => (provisional(context) ? [6, 4] : undefined) },
        },
        {
          label: "Tỷ lệ theo diện tích",
          data: points.map((p) => p.certified_area_share),
          borderColor: "#5b8def",
          backgroundColor: "#5b8def",
          borderWidth: 1.5,
          segment: { borderDash: (context) => (provisional(context) ? [6, 4] : undefined) },
        },
        {
          label: "Tiến độ dự kiến",
          data: points.map((p) => p.expected_share),
          borderColor: BEHIND_COLOUR,
          backgroundColor: BEHIND_COLOUR,
          borderDash: [3, 3],
          borderWidth: 1.5,
          pointRadius: 0,
          spanGaps: true,
        },
      ],
    };
    const canvas = document.getElementById("timeline");
    canvas.dataset.series = chosen;
    canvas.dataset.points = String(points.length);
    if (state.chart) {
      state.chart.data = data;
      state.chart.update();
      return;
    }
    state.chart = new Chart(canvas, {
      type: "line",
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: "vi-VN",
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            min: 0,
            suggestedMax: 0.2,
            ticks: { callback: (value) => percent.format(value) },
            title: { display: true, text: "Tỷ lệ thửa" },
          },
          x: { title: { display: true, text: "Cuối kỳ" } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: (context) => `${context.dataset.label}: ${formatShare(context.parsed.y)}`,
            },
          },
        },
      },
    });
  }

  async function loadTimeline() {
    const period = document.getElementById("timeline-period").value;
    state.timeline = await fetchJSON(`stats/timeline?period=${encodeURIComponent(period)}`);
    fillSeriesChoice(state.timeline);
    drawTimeline();
  }

  // --- loading ---------------------------------------------------------------------------

  async function guarded(work) {
    document.body.dataset.ready = "false";
    try {
      await work();
      showMessage("", "");
      document.body.dataset.ready = "true";
    } catch (error) {
      showMessage(`Không tải được số liệu: ${error.message}`, "error");
      document.body.dataset.ready = "error";
    }
  }

  async function loadFigures() {
    const asOf = document.getElementById("as-of").value;
    const query = asOf ? `?as_of=${encodeURIComponent(asOf)}` : "";
    const [collection, summary] = await Promise.all([
      fetchJSON(`stats/wards.geojson${query}`),
      fetchJSON(`stats/summary${query}`),
    ]);
    const input = document.getElementById("as-of");
    input.value = summary.as_of;
    if (!input.max) input.max = summary.as_of;
    drawSummary(summary);
    drawMap(collection);
    drawTable(
      collection.features.map((feature) => feature.properties),
      summary,
    );
    drawBacklog(summary);
  }

  function start() {
    document.getElementById("as-of").addEventListener("change", () => guarded(loadFigures));
    document.getElementById("timeline-period").addEventListener("change", () => guarded(loadTimeline));
    document.getElementById("timeline-series").addEventListener("change", drawTimeline);
    for (const form of document.querySelectorAll("form")) {
      form.addEventListener("submit", (event) => event.preventDefault());
    }
    guarded(() => Promise.all([loadFigures(), loadTimeline()]));
  }

  start();
})();
