/*
 * The dashboard's map: reports in the reader's reach, as the server's rules give them.
 *
 * The page (web/pages/map.py) sets on #map: the tiles, the borders, `data-reports-url` (the
 * filter as a query), `data-needs-url` (for those who see needs: the same filter, whose
 * period and place apply to needs) and `data-colour` (resource or state). /data/map
 * answers with markers ("points") or with counts per place ("rayon", "aiyl_aimak") when the
 * filter holds too many reports; `complete` says whether moving the map can change that.
 * Every word shown comes translated in #map-labels; text is set with textContent, never as
 * HTML.
 *
 * For tests and people alike: body[data-state] becomes "ready" once the borders and the
 * first data are drawn, body[data-markers] counts the report markers on the map.
 */
(function () {
  "use strict";

  var element = document.getElementById("map");
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var summary = document.getElementById("map-summary");
  var colour = element.dataset.colour || "resource";
  var made = AyilMap.create(element);
  var map = made.map;
  var reports = L.markerClusterGroup({
    animate: false,
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    iconCreateFunction: clusterIcon,
  });
  var groups = L.layerGroup();
  var needs = L.layerGroup();
  var complete = false;
  var pending = null;
  var asked = 0;
  map.addLayer(reports);
  map.addLayer(groups);

  function category(resource, state) {
    return colour === "state" ? "st-" + (state || "none") : "res-" + resource;
  }

  function clusterIcon(cluster) {
    var counts = {};
    var best = null;
    cluster.getAllChildMarkers().forEach(function (marker) {
      var key = marker.options.category;
      counts[key] = (counts[key] || 0) + 1;
      if (best === null || counts[key] > counts[best]) {
        best = key;
      }
    });
    var size = cluster.getChildCount() < 100 ? 36 : 44;
    var inner = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = cluster.getChildCount();
    inner.appendChild(number);
    return L.divIcon({
      html: inner,
      className: "marker-cluster ayil-cluster " + best,
      iconSize: L.point(size, size),
    });
  }

  function line(parent, text, className) {
    var node = document.createElement("div");
    node.textContent = text;
    if (className) {
      node.className = className;
    }
    parent.appendChild(node);
    return node;
  }

  function reportPopup(point) {
    var box = document.createElement("div");
    box.className = "popup";
    var title = line(box, labels.report.replace("{number}", "№ " + point[0]), "title");
    if (point[6]) {
      title.textContent += " · " + labels.urgent;
    }
    line(box, labels.resources[point[3]] || point[3]);
    line(box, labels.events[point[4]] || point[4]);
    line(box, labels.reviews[point[5]] || point[5], "review");
    if (point[7]) {
      line(box, labels.states[point[7]], "state st-" + point[7]);
    }
    var link = document.createElement("a");
    link.href = "/reports/" + point[0];
    link.textContent = labels.open;
    link.className = "open";
    box.appendChild(link);
    return box;
  }

  function drawPoints(points) {
    var markers = points.map(function (point) {
      var kind = category(point[3], point[7]);
      var marker = L.marker([point[1], point[2]], {
        icon: L.divIcon({
          className: "ayil-dot " + kind + (point[6] ? " urgent" : ""),
          iconSize: [16, 16],
        }),
        category: kind,
        report: point[0],
        keyboard: true,
        title: labels.report.replace("{number}", "№ " + point[0]),
      });
      marker.bindPopup(function () { return reportPopup(point); });
      return marker;
    });
    reports.addLayers(markers);
  }

  function drawGroups(rows) {
    var largest = rows.reduce(function (top, row) { return Math.max(top, row[2]); }, 1);
    rows.forEach(function (row) {
      var kind = colour === "state" ? "st-" + (row[5] || "none") : "res-" + row[4];
      var size = Math.round(28 + 26 * Math.sqrt(row[2] / largest));
      var inner = document.createElement("div");
      var number = document.createElement("span");
      number.textContent = row[2];
      inner.appendChild(number);
      var marker = L.marker([row[0], row[1]], {
        icon: L.divIcon({ html: inner, className: "ayil-group " + kind, iconSize: [size, size] }),
        title: row[3],
      });
      marker.on("click", function () {
        map.setView([row[0], row[1]], Math.min(map.getZoom() + 2, 18));
      });
      groups.addLayer(marker);
    });
  }

  function load() {
    var bounds = map.getBounds();
    var box = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (value) { return value.toFixed(4); }).join(",");
    var url = element.dataset.reportsUrl + "&zoom=" + map.getZoom().toFixed(2) + "&bbox=" + box;
    var turn = ++asked;
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body.error || labels.failed);
          }
          return body;
        });
      })
      .then(function (data) {
        if (turn !== asked) {
          return; // a later answer is on its way
        }
        reports.clearLayers();
        groups.clearLayers();
        if (data.level === "points") {
          drawPoints(data.points);
        } else {
          drawGroups(data.groups);
        }
        complete = data.complete;
        summary.textContent = data.summary;
        document.body.dataset.markers = String(reports.getLayers().length);
        document.body.dataset.level = data.level;
      });
  }

  function loadNeeds() {
    var url = element.dataset.needsUrl;
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { points: [] }; })
      .then(function (data) {
        data.points.forEach(function (point) {
          var marker = L.circleMarker([point[1], point[2]], {
            radius: 7,
            className: "ayil-need stage-" + point[4],
          });
          marker.bindPopup(function () {
            var box = document.createElement("div");
            box.className = "popup";
            line(box, labels.need + " · " + (labels.topics[point[3]] || point[3]), "title");
            line(box, labels.stages[point[4]] || point[4]);
            line(box, labels.women + ": " + point[5]);
            line(box, point[6]);
            return box;
          });
          needs.addLayer(marker);
        });
      });
    var overlays = {};
    overlays[labels.reports_layer] = reports;
    overlays[labels.needs_layer] = needs;
    var narrow = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
    L.control.layers(null, overlays, { collapsed: narrow }).addTo(map);
  }

  map.on("moveend", function () {
    if (complete) {
      return;
    }
    window.clearTimeout(pending);
    pending = window.setTimeout(load, 250);
  });

  Promise.all([made.bordersLoaded, load()])
    .then(function () {
      // First view: the reader's reports, not the whole country (a rayon's coordinator sees
      // her rayon); counts per place keep the country's view.
      if (document.body.dataset.level === "points" && reports.getLayers().length) {
        map.fitBounds(reports.getBounds(), { maxZoom: 9, padding: [24, 24], animate: false });
      }
      document.body.dataset.state = "ready";
      // The browser's own clock for "the map shows its data" (make bench reads it).
      performance.mark("ayil-map-ready");
    })
    .catch(function (error) {
      summary.textContent = error.message || labels.failed;
      document.body.dataset.state = "failed";
    });
  loadNeeds();

  window.ayilDashboard = {
    map: map,
    reports: reports,
    reportIds: function () {
      return reports.getLayers().map(function (marker) { return marker.options.report; })
        .sort(function (a, b) { return a - b; });
    },
    open: function (number) {
      var marker = reports.getLayers().filter(function (m) { return m.options.report === number; })[0];
      if (!marker) {
        return Promise.resolve(false);
      }
      return new Promise(function (resolve) {
        reports.zoomToShowLayer(marker, function () {
          marker.openPopup();
          resolve(true);
        });
      });
    },
  };
})();
