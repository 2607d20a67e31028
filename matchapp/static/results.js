// The rank histogram, drawn with the locally served Chart.js from the page's JSON data block.
(function () {
  var canvas = document.getElementById("histogram");
  var data = document.getElementById("histogram-data");
  if (!canvas || !data || typeof Chart === "undefined") { return; }
  var chart = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "bar",
    data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.values, backgroundColor: "#b4232a" }] },
    options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
