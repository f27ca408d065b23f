// The report's map: every reject, repair and overlap of an import drawn where the file had
// it, over the ward boundaries and the registered parcels. The features come as vector
// tiles built by the database, so a report of any size draws as fast as a small one; a row
// of the table (or a click on the map) zooms to its feature and names it.
import { LABELS, api, number } from "./api.js";
import { registerMap } from "./map.js";

let map = null;
let shownImport = null;

const $ = (id) => document.getElementById(id);

function caption(issue) {
  const where = issue.row === null ? "cả tệp" : `dòng ${number(issue.row)}`;
  $("report-map-caption").textContent =
    `Đang xem: ${where}${issue.key ? `, thửa ${issue.key}` : ""} – ${LABELS.issue_kind[issue.kind] || issue.kind}: ${issue.reason}`;
}

function legend(counts, notDrawn) {
  const list = $("report-legend");
  list.replaceChildren();
  for (const [kind, label] of Object.entries(LABELS.issue_kind)) {
    if (!counts[kind]) continue;
    const item = document.createElement("li");
    item.dataset.kind = kind;
    item.dataset.drawn = String(counts[kind]);
    item.textContent = `${label}: ${number(counts[kind])} trên bản đồ`;
    list.append(item);
  }
  if (notDrawn > 0) {
    const item = document.createElement("li");
    item.textContent = `${number(notDrawn)} vấn đề không có hình thể để vẽ (lỗi của cả tệp, thửa không có hình thể).`;
    list.append(item);
  }
}

// The one issue `seq`, outlined over the tiles, with its reason.
async function highlight(seq) {
  const one = await api("GET", `imports/${shownImport}/issues.geojson?seq=${seq}`);
  map.show(one);
  map.select(seq);
  if (one.features.length) caption({ ...one.features[0].properties });
}

// Draw the issues of import `id`; `page` is the first page of its issues (with how many
// have a geometry, kind by kind, and their extent).
export async function drawIssues(id, page) {
  if (!map) {
    map = await registerMap($("report-map"), {
      onFeature: (feature) => highlight(feature.getId()).catch(() => {}),
    });
  }
  shownImport = id;
  map.show({ type: "FeatureCollection", features: [] });
  const drawnTotal = Object.values(page.drawn).reduce((a, b) => a + b, 0);
  map.showTiles(`imports/${id}/issues/{z}/{x}/{y}.mvt`);
  if (page.bbox) map.fitBox(page.bbox, 18);
  await map.rendered();
  // what the map itself holds now, counted kind by kind
  const counts = {};
  const features = drawnTotal ? map.tileFeatures() : [];
  for (const feature of features) counts[feature.get("kind")] = (counts[feature.get("kind")] || 0) + 1;
  legend(counts, page.total - drawnTotal);
  $("report-map").dataset.shown = String(features.length);
  $("report-map-caption").textContent = features.length
    ? "Bấm vào một thửa trên bản đồ, hoặc nút “Xem” của một dòng, để biết lỗi của nó."
    : "Không có thửa nào cần vẽ.";
}

// Zoom the map to one issue of the table and say what it is.
export async function showIssue(issue) {
  if (!map || !issue.bbox) return;
  map.fitBox(issue.bbox, 19);
  caption(issue);
  await highlight(issue.seq);
  $("report-map").scrollIntoView({ block: "nearest" });
}
