/*
 * Reports: GET /api/v1/reports/KIND (RA staff, as the policy's reports duty
 * allows) as tables, each with a link to its CSV download (the same
 * endpoint with ?format=csv), and a chart of the certificates expiring in
 * each of the next 13 weeks (/api/v1/reports/expiring-weeks) drawn as
 * inline SVG with DOM calls: no library, no markup from data. Every bar
 * has its count written above it and a <title>; the same numbers are in a
 * table under the chart for screen readers and keyboards.
 */
'use strict';

(function () {
	var P = Portal;
	var SVG = 'http://www.w3.org/2000/svg';
	var status = document.getElementById('status');
	var chart = document.getElementById('chart');
	var out = document.getElementById('reports');
	var daysInput = document.getElementById('days');
	var API = '/api/v1/reports/';

	var REPORTS = [
		{ kind: 'expiring', title: 'Certificates expiring',
		  none: 'No certificate expires in that time.' },
		{ kind: 'locked', title: 'Locked cards', none: 'No card is locked.' },
		{ kind: 'renewal-limit', title: 'Cards at their renewal limit',
		  none: 'No card needs an RA visit to renew.' },
		{ kind: 'users-per-org', title: 'Users per organisation',
		  none: 'No organisation is registered.' }
	];

	function svg(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag);

		Object.keys(attrs || {}).forEach(function (k) {
			e.setAttribute(k, String(attrs[k]));
		});
		if (text !== undefined)
			e.textContent = String(text);
		return e;
	}

	/* The weekly counts as bars, one per week, with labels. */
	function drawChart(rows) {
		var W = 760, H = 260, left = 40, bottom = 50, top = 20;
		var n = rows.length, slot = (W - left - 10) / Math.max(n, 1);
		var max = 1, total = 0, s, axis;

		rows.forEach(function (r) {
			var c = Number(r.certificates) || 0;

			max = Math.max(max, c);
			total += c;
		});
		s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart', role: 'img',
				 'aria-labelledby': 'chart-title chart-desc' });
		s.appendChild(svg('title', { id: 'chart-title' },
				  'Certificates expiring per week over the next 90 days'));
		s.appendChild(svg('desc', { id: 'chart-desc' }, total + ' certificate' +
				  (total === 1 ? '' : 's') + ' in ' + n + ' weeks; the table below ' +
				  'gives each week.'));
		axis = svg('line', { x1: left, y1: H - bottom, x2: W - 5, y2: H - bottom,
				     'class': 'axis' });
		s.appendChild(axis);
		s.appendChild(svg('text', { x: left - 6, y: top + 4, 'class': 'tick',
					    'text-anchor': 'end' }, max));
		s.appendChild(svg('text', { x: left - 6, y: H - bottom, 'class': 'tick',
					    'text-anchor': 'end' }, 0));
		rows.forEach(function (r, i) {
			var c = Number(r.certificates) || 0;
			var h = (H - bottom - top) * c / max;
			var x = left + i * slot + slot * 0.15, w = slot * 0.7;
			var bar = svg('rect', { x: x, y: H - bottom - h, width: w,
						 height: Math.max(h, 0), 'class': 'bar',
						 'data-week': r.week, 'data-count': c });

			bar.appendChild(svg('title', {}, 'Week ' + r.week + ' (' + r.from + ' to ' +
					    r.to + '): ' + c));
			s.appendChild(bar);
			s.appendChild(svg('text', { x: x + w / 2, y: H - bottom - h - 4,
						    'class': 'count', 'text-anchor': 'middle' }, c));
			s.appendChild(svg('text', { x: x + w / 2, y: H - bottom + 16,
						    'class': 'tick', 'text-anchor': 'middle' },
					  String(r.from).slice(5)));
		});
		s.appendChild(svg('text', { x: left + (W - left) / 2, y: H - 8, 'class': 'tick',
					    'text-anchor': 'middle' }, 'week starting (month-day)'));
		P.clear(chart);
		chart.appendChild(s);
		/* What was drawn, counted from the drawing itself. */
		chart.appendChild(P.el('p', s.querySelectorAll('rect.bar').length +
			' bars, one per week: ' + total + ' certificate' + (total === 1 ? '' : 's') +
			' expiring in the next 90 days.', 'chart-summary'));
		chart.appendChild(P.table('Certificates expiring per week', [
			{ key: 'week', label: 'Week' }, { key: 'from', label: 'From' },
			{ key: 'to', label: 'To' }, { key: 'certificates', label: 'Certificates' }
		], rows, 'No weeks.'));
	}

	function csvLink(url, what) {
		var a = P.el('a', 'Download ' + what + ' (CSV)');
		var p = P.el('p');

		a.href = url + (url.indexOf('?') < 0 ? '?' : '&') + 'format=csv';
		a.setAttribute('download', '');
		p.appendChild(a);
		return p;
	}

	function columns(body) {
		return (body.columns || []).map(function (k) {
			return { key: k, label: k.replace(/_/g, ' ') };
		});
	}

	/* One report's section: its table and its CSV link, or its refusal. */
	function showReport(r, days) {
		var sec = P.section(out, r.title), url = API + r.kind, box = P.el('div');

		if (r.kind === 'expiring' && days !== '')
			url += '?days=' + encodeURIComponent(days);
		sec.id = 'report-' + r.kind;
		sec.appendChild(box);
		box.appendChild(P.el('p', 'Loading\u2026'));
		return P.getJSON(url).then(function (res) {
			if (res.status !== 200 || res.body === null) {
				P.refusal(box, res, r.title + ' could not be shown');
				return false;
			}
			P.clear(box);
			if (r.kind === 'expiring')
				box.appendChild(P.el('p', res.body.days === null ?
					'Within the renewal window of the CA\'s policy.' :
					'Within ' + res.body.days + ' days.'));
			box.appendChild(P.table(r.title, columns(res.body), res.body.rows, r.none));
			box.appendChild(csvLink(url, r.title.toLowerCase()));
			return true;
		}, function (err) {
			P.unreachable(box, err);
			return false;
		});
	}

	var days = new URLSearchParams(window.location.search).get('days') || '';

	if (days !== '' && !/^[0-9]{1,4}$/.test(days)) {
		status.textContent = 'Days: a whole number from 0 to 3660.';
		days = '';
	}
	daysInput.value = days;
	P.getJSON(API + 'expiring-weeks').then(function (res) {
		if (res.status !== 200 || res.body === null) {
			P.refusal(chart, res, 'The chart could not be drawn');
			return;
		}
		drawChart(res.body.rows || []);
	}, function (err) {
		P.unreachable(chart, err);
	});
	Promise.all(REPORTS.map(function (r) {
		return showReport(r, days);
	})).then(function (ok) {
		var shown = ok.filter(Boolean).length;

		status.textContent = shown === REPORTS.length ? 'The reports as of now.' :
			shown + ' of ' + REPORTS.length + ' reports could be shown.';
	});
}());
