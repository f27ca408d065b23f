// The workbench's maps (OpenLayers, drawn on a canvas): the ward boundaries and the
// registered parcels as the service's own vector tiles, and over them the features a page
// shows (an import's issues, a parcel). There is no background map: a town hall's intranet
// has no route to one; the wards and the parcels are the reference.
//
// OpenLayers (a megabyte of script) is loaded the first time a page needs a map, not with
// the workbench: the sign-in page and the forms do not wait for it.
import { LABELS, ROOT } from "./api.js";

let ol = null;
let loading = null;

function openLayers() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL("workbench/assets/ol.js", ROOT).href;
      script.addEventListener("load", () => { ol = window.ol; resolve(); });
      script.addEventListener("error", () => { loading = null; reject(new Error("ol.js")); });
      document.head.append(script);
    });
  }
  return loading;
}

// A RegisterMap in `target`, once OpenLayers is there.
export async function registerMap(target, options = {}) {
  await openLayers();
  return new RegisterMap(target, options);
}
const TOWN = [106.09, 21.28]; // Việt Yên, lon/lat
// the service draws parcels from this zoom (app.services.tiles.PARCELS_MIN_ZOOM): below
// zoom 16 only those big enough to see, and count cells (layer parcel_counts) for the rest
const PARCELS_FROM_ZOOM = LABELS.parcels_min_zoom;

// the colours of every map of the service (app.services.tile_docs.STATUS_COLOURS)
export const STATUS_COLOURS = LABELS.status_colours;
const KIND_COLOURS = {
  rejected: "#c0392b",
  overlap: "#e67e22",
  repaired: "#2471a3",
  warning: "#b7950b",
  parcel: "#1a5276",
};

function tiles(layer) {
  return new ol.source.VectorTile({
    format: new ol.format.MVT(),
    url: `${ROOT.href}tiles/${layer}/{z}/{x}/{y}.mvt`,
    maxZoom: 22,
  });
}

const styles = new Map();
function cached(key, make) {
  if (!styles.has(key)) styles.set(key, make());
  return styles.get(key);
}

function wardStyle(feature, resolution) {
  const name = feature.get("name") || "";
  const outline = cached("ward", () => new ol.style.Style({
    stroke: new ol.style.Stroke({ color: "#145a32", width: 2 }),
  }));
  if (resolution > 40) return outline;
  return [outline, new ol.style.Style({
    text: new ol.style.Text({
      text: name,
      font: "600 13px sans-serif",
      fill: new ol.style.Fill({ color: "#145a32" }),
      stroke: new ol.style.Stroke({ color: "#fff", width: 3 }),
      overflow: true,
    }),
  })];
}

// a count cell: shaded from grey (nothing certified) to dark green (all certified)
function cellStyle(feature) {
  const share = (feature.get("certified") || 0) / Math.max(feature.get("parcels") || 0, 1);
  const step = Math.min(4, Math.floor(share * 5));
  return cached(`cell:${step}`, () => new ol.style.Style({
    fill: new ol.style.Fill({ color: `${CELL_COLOURS[step]}99` }),
  }));
}
const CELL_COLOURS = ["#d9d9d9", "#c7e9c0", "#a1d99b", "#41ab5d", "#006d2c"];

function parcelStyle(feature, resolution) {
  if (feature.get("layer") === "parcel_counts") {
    // the cells stand for the parcels too small to draw; from zoom 15 the parcels show
    return resolution > 5 ? cellStyle(feature) : null;
  }
  const status = feature.get("status");
  const disputed = feature.get("disputed") === true || feature.get("disputed") === "true";
  return cached(`parcel:${status}:${disputed}`, () => new ol.style.Style({
    fill: new ol.style.Fill({ color: `${STATUS_COLOURS[status] || "#ffffff"}b0` }),
    stroke: new ol.style.Stroke({
      color: disputed ? "#c0392b" : "#4d4d4d",
      width: disputed ? 2 : 0.6,
    }),
  }));
}

function drawnStyle(feature) {
  const kind = feature.get("kind") || "parcel";
  const chosen = feature.get("selected") === true;
  return cached(`drawn:${kind}:${chosen}`, () => {
    const colour = KIND_COLOURS[kind] || "#000000";
    const stroke = new ol.style.Stroke({ color: chosen ? "#f5b700" : colour, width: chosen ? 4 : 2.5 });
    const fill = new ol.style.Fill({ color: `${colour}${kind === "parcel" ? "30" : "55"}` });
    return new ol.style.Style({
      stroke,
      fill,
      image: new ol.style.Circle({ radius: chosen ? 8 : 6, stroke, fill }),
      zIndex: chosen ? 2 : 1,
    });
  });
}

// A map in `target` (an element with a size), with the wards and the parcels' tiles; the
// features of `show()` are drawn over them. `onParcel(id)` is called when a registered
// parcel is clicked, `onFeature(feature)` when one of the shown features is.
class RegisterMap {
  constructor(target, { onParcel = null, onFeature = null } = {}) {
    this.target = target;
    this.onParcel = onParcel;
    this.onFeature = onFeature;
    this.drawn = new ol.source.Vector();
    this.map = new ol.Map({
      target,
      layers: [
        new ol.layer.VectorTile({ source: tiles("parcels"), style: parcelStyle, minZoom: PARCELS_FROM_ZOOM - 0.01 }),
        new ol.layer.VectorTile({ source: tiles("wards"), style: wardStyle, declutter: true }),
        new ol.layer.Vector({ source: this.drawn, style: drawnStyle }),
      ],
      view: new ol.View({ center: ol.proj.fromLonLat(TOWN), zoom: 12, maxZoom: 22 }),
      controls: [
        new ol.control.Zoom({ zoomInTipLabel: "Phóng to", zoomOutTipLabel: "Thu nhỏ" }),
        new ol.control.ScaleLine(),
      ],
    });
    target.tabIndex = 0; // the arrow keys pan, + and - zoom once the map has the focus
    this.map.on("singleclick", (event) => this.clicked(event));
  }

  clicked(event) {
    let done = false;
    this.map.forEachFeatureAtPixel(event.pixel, (feature, layer) => {
      if (done) return;
      if (layer && (layer.getSource() === this.drawn || layer === this.tileLayer)) {
        done = true;
        if (this.onFeature) this.onFeature(feature);
      } else if (feature.get("layer") === "parcels" && this.onParcel) {
        done = true;
        this.onParcel(feature.getId());
      }
    });
  }

  // Draw the vector tiles of `template` ({z}/{x}/{y}, relative to the app) over the
  // register, styled by their `kind`: any number of features, built by the database.
  showTiles(template) {
    if (this.tileLayer) this.map.removeLayer(this.tileLayer);
    this.tileLayer = new ol.layer.VectorTile({
      source: new ol.source.VectorTile({
        format: new ol.format.MVT(),
        url: `${ROOT.href}${template}`,
        maxZoom: 22,
      }),
      style: drawnStyle,
      minZoom: 9.99,
    });
    this.map.getLayers().insertAt(2, this.tileLayer);
    delete this.target.dataset.shown;
  }

  // The tiles' features now rendered, one per id (a feature crossing tiles comes once).
  tileFeatures() {
    if (!this.tileLayer) return [];
    const extent = this.map.getView().calculateExtent(this.map.getSize());
    const unique = new Map();
    for (const feature of this.tileLayer.getFeaturesInExtent(extent)) unique.set(feature.getId(), feature);
    return [...unique.values()];
  }

  // Resolves once the map has drawn everything it asked for (tiles included).
  rendered() {
    return new Promise((resolve) => {
      this.map.once("rendercomplete", () => resolve());
      this.map.render();
    });
  }

  // Zoom to a WGS 84 box [minLon, minLat, maxLon, maxLat].
  fitBox(box, maxZoom = 19) {
    this.map.updateSize();
    const extent = ol.proj.transformExtent(box, "EPSG:4326", this.map.getView().getProjection());
    this.map.getView().fit(extent, { padding: [40, 40, 40, 40], maxZoom, duration: 0 });
  }

  // Replace the shown features with a GeoJSON FeatureCollection (WGS 84); return them.
  show(collection) {
    const features = new ol.format.GeoJSON().readFeatures(collection, {
      dataProjection: "EPSG:4326",
      featureProjection: this.map.getView().getProjection(),
    });
    this.drawn.clear();
    this.drawn.addFeatures(features);
    this.target.dataset.shown = String(features.length);
    return features;
  }

  shownFeatures() {
    return this.drawn.getFeatures();
  }

  // Zoom to every shown feature (to the town when there is none).
  fitAll() {
    this.map.updateSize();
    if (this.drawn.getFeatures().length === 0) return;
    this.map.getView().fit(this.drawn.getExtent(), { padding: [30, 30, 30, 30], maxZoom: 19 });
  }

  // Mark one shown feature (by id) and zoom to it; return it, or null.
  select(id) {
    let found = null;
    for (const feature of this.drawn.getFeatures()) {
      const chosen = String(feature.getId()) === String(id);
      feature.set("selected", chosen);
      if (chosen) found = feature;
    }
    if (found) {
      this.map.updateSize();
      this.map.getView().fit(found.getGeometry().getExtent(), {
        padding: [60, 60, 60, 60], maxZoom: 19, duration: 0,
      });
      this.target.dataset.selected = String(id);
    }
    return found;
  }
}
