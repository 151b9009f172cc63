/*
 * The dashboard's base map: tiles from the URL the server configures, and the national borders
 * (Natural Earth, shipped in the package) as a layer of their own, so the Kyrgyz–Tajik border
 * and the Batken enclaves still show when the tiles cannot load.
 *
 * No inline script is allowed by the Content-Security-Policy, so a page passes its settings as
 * data attributes on the map's element:
 *   data-tile-url         Leaflet URL template; no tile layer when absent
 *   data-tile-attribution credit for the tiles (e.g. "© OpenStreetMap contributors"); Leaflet
 *                         shows it as HTML, so it comes from the settings, never from a user
 *   data-borders-url      the borders GeoJSON (web.assets.BORDERS_URL)
 * and calls AyilMap.create(element) from its own script, after leaflet.js.
 */
(function () {
  "use strict";

  var KYRGYZSTAN = "417";
  // Kyrgyzstan's extent, with a little room for the Fergana valley's enclaves.
  var HOME_BOUNDS = [[39.1, 69.2], [43.3, 80.3]];

  function borderStyle(feature) {
    var home = feature.properties.iso_n3 === KYRGYZSTAN;
    return {
      // A class per country lets pages and tests find a country's path in the DOM.
      className: "ayil-border ayil-border-" + feature.properties.iso_n3,
      color: "#5a4a3a",
      weight: home ? 2 : 1.2,
      fillColor: home ? "#f3e3b8" : "#d9d9d9",
      fillOpacity: home ? 0.35 : 0.25,
    };
  }

  function create(element) {
    // Below zoom 5 Kyrgyzstan is a few dozen pixels wide: nothing a coordinator can use.
    var map = L.map(element, { zoomSnap: 0.25, minZoom: 5 });
    map.fitBounds(HOME_BOUNDS);
    var tileUrl = element.dataset.tileUrl;
    var tiles = null;
    if (tileUrl) {
      tiles = L.tileLayer(tileUrl, {
        maxZoom: 18,
        attribution: element.dataset.tileAttribution || "",
      }).addTo(map);
    }
    var borders = L.geoJSON(null, {
      style: borderStyle,
      interactive: false,
      attribution: "Natural Earth",
    }).addTo(map);
    var bordersLoaded = fetch(element.dataset.bordersUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("borders: HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        borders.addData(collection);
        // The borders are cut to a box around Kyrgyzstan; past it there is nothing to show.
        var box = collection.bbox;
        if (box) {
          map.setMaxBounds([[box[1], box[0]], [box[3], box[2]]]);
        }
        // Reports drawn as vectors share this pane: keep the borders beneath them.
        borders.bringToBack();
        return borders;
      });
    return { map: map, tiles: tiles, borders: borders, bordersLoaded: bordersLoaded };
  }

  window.AyilMap = { create: create, KYRGYZSTAN: KYRGYZSTAN };
})();
