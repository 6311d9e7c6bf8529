// The crew's phone page: the phone's position, where it gives one, goes with the step tapped
// (hidden latitude/longitude fields). Without it, or without JavaScript, the step goes without.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) {
    return;
  }
  function fill(position) {
    var lat = position.coords.latitude.toFixed(6);
    var lon = position.coords.longitude.toFixed(6);
    document.querySelectorAll('input[data-geo="latitude"]').forEach(function (input) {
      input.value = lat;
    });
    document.querySelectorAll('input[data-geo="longitude"]').forEach(function (input) {
      input.value = lon;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("input[data-geo]")) {
      return;
    }
    navigator.geolocation.getCurrentPosition(fill, function () {}, {
      enableHighAccuracy: true,
      maximumAge: 60000,
      timeout: 15000,
    });
  });
})();
