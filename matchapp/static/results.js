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
  var flows = document.getElementById("flows");
  if (flows && chart.flows) {
    var colours = ["#8a5300", "#616e7c", "#4b2f91"];
    new Chart(flows, {
      type: "bar",
      data: {
        labels: chart.flows.labels,
        datasets: chart.flows.series.map(function (s, k) { return { label: s.label, data: s.values, backgroundColor: colours[k] }; })
      },
      options: { animation: false, indexAxis: "y", scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } } }
    });
  }
})();
