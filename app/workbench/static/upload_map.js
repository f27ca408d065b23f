// The report's map: every reject, repair and overlap of an import drawn where the file had
// it, over the ward boundaries and the registered parcels; a row of the table zooms to its
// feature, a click on a feature names it.
import { LABELS, api, number } from "./api.js";
import { registerMap } from "./map.js";

let map = null;

const $ = (id) => document.getElementById(id);

function caption(feature) {
  const p = feature.getProperties();
  const where = p.row === null ? "cả tệp" : `dòng ${number(p.row)}`;
  $("report-map-caption").textContent =
    `Đang xem: ${where}${p.key ? `, thửa ${p.key}` : ""} – ${LABELS.issue_kind[p.kind] || p.kind}: ${p.reason}`;
}

function legend(features, total) {
  const counts = {};
  for (const feature of features) {
    const kind = feature.get("kind");
    counts[kind] = (counts[kind] || 0) + 1;
  }
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
  const missing = total - features.length;
  if (missing > 0) {
    const item = document.createElement("li");
    item.textContent = `${number(missing)} vấn đề không có hình thể để vẽ (lỗi của cả tệp, thửa không có hình thể).`;
    list.append(item);
  }
}

// Draw the issues of import `id` (`total`: how many it has, drawn or not).
export async function drawIssues(id, total) {
  const collection = await api("GET", `imports/${id}/issues.geojson`);
  if (!map) map = await registerMap($("report-map"), { onFeature: caption });
  const features = map.show(collection);
  map.fitAll();
  legend(features, total);
  $("report-map-caption").textContent = features.length
    ? "Bấm vào một thửa trên bản đồ, hoặc nút “Xem” của một dòng, để biết lỗi của nó."
    : "Không có thửa nào cần vẽ.";
}

// Zoom the map to one issue (its `seq`) and say what it is.
export function showIssue(seq) {
  if (!map) return;
  const feature = map.select(seq);
  if (feature) {
    caption(feature);
    $("report-map").scrollIntoView({ block: "nearest" });
  }
}
