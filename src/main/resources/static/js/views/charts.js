// Line charts on Chart.js (loaded from its WebJar as the global Chart). Each canvas carries data-points, the
// number of points drawn, so tests and tools can follow a chart without reaching into Chart.js.

export function lineChart(canvas, series, { yTitle, min, max } = {}) {
  canvas.dataset.points = '0';
  if (!window.Chart) {
    canvas.replaceWith(Object.assign(document.createElement('p'), {
      className: 'muted', textContent: 'Charts are unavailable (Chart.js did not load); see the metrics table.',
    }));
    return { set() {}, destroy() {} };
  }
  const chart = new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: series.map((s) => ({
        label: s.label, data: [], borderColor: s.color, backgroundColor: s.color, borderDash: s.dash,
        borderWidth: 2, pointRadius: 2, tension: 0.2, spanGaps: true,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { display: series.length > 1, labels: { color: '#1f2937', usePointStyle: true, pointStyle: 'line' } } },
      scales: {
        x: { title: { display: true, text: 'epoch', color: '#374151' }, ticks: { color: '#374151', precision: 0 } },
        y: { title: { display: Boolean(yTitle), text: yTitle, color: '#374151' }, ticks: { color: '#374151' },
          suggestedMin: min, suggestedMax: max },
      },
    },
  });
  return {
    set(labels, values) {
      chart.data.labels = labels;
      values.forEach((v, i) => { chart.data.datasets[i].data = v; });
      chart.update();
      canvas.dataset.points = String(labels.length);
      const last = labels.length - 1;
      canvas.setAttribute('aria-label', `${canvas.getAttribute('aria-label').split(' — ')[0]} — ${labels.length} epochs` +
        (last >= 0 ? `; epoch ${labels[last]}: ${series.map((s, i) => `${s.label} ${format(values[i][last])}`).join(', ')}` : ''));
    },
    destroy() {
      chart.destroy();
    },
  };
}

function format(v) {
  return typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : 'n/a';
}
