/*
 * Search: GET /api/v1/people?q=TEXT (RA staff, as the policy's lookup duty
 * allows; a sponsor finds only the people of their own organisations),
 * the text from the page's address (?q=). Each person links to their
 * record (/portal/person/UUID); names are shown as text.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var out = document.getElementById('results');
	var input = document.getElementById('q');

	function link(uuid, text) {
		var a = P.data('a', text);

		a.href = '/portal/person/' + encodeURIComponent(uuid);
		return a;
	}

	function render(body) {
		var people = Array.isArray(body.people) ? body.people : [];
		var t, tb, tr;

		P.clear(out);
		P.clear(status);
		status.appendChild(document.createTextNode(people.length + (people.length === 1 ?
			' person' : ' people') + ' found for '));
		status.appendChild(P.data('span', body.query));
		status.appendChild(document.createTextNode(body.truncated ?
			' (the first ' + people.length + ': say more to narrow the search).' : '.'));
		if (people.length === 0) {
			out.appendChild(P.el('p', 'Nobody you may see matches.', 'empty'));
			return;
		}
		t = P.el('table');
		t.appendChild(P.el('caption', 'People'));
		tr = P.el('tr');
		['Name', 'UUID', 'Organisations'].forEach(function (h) {
			var th = P.el('th', h);

			th.scope = 'col';
			tr.appendChild(th);
		});
		t.appendChild(P.el('thead')).appendChild(tr);
		tb = P.el('tbody');
		people.forEach(function (p) {
			var row = P.el('tr'), td;

			td = P.el('td');
			td.appendChild(link(p.uuid, p.name));
			row.appendChild(td);
			row.appendChild(P.data('td', p.uuid));
			row.appendChild(P.data('td', (p.organisations || []).join(', ')));
			tb.appendChild(row);
		});
		t.appendChild(tb);
		out.appendChild(t);
	}

	var q = new URLSearchParams(window.location.search).get('q') || '';

	if (q === '') {
		status.textContent = 'Give a part of a name or the first digits of a UUID.';
		input.focus();
		return;
	}
	input.value = q;
	status.textContent = 'Searching\u2026';
	P.getJSON('/api/v1/people?q=' + encodeURIComponent(q)).then(function (res) {
		if (res.status !== 200 || res.body === null) {
			status.textContent = '';
			P.refusal(out, res, 'The search could not be made');
			return;
		}
		render(res.body);
	}, function (err) {
		status.textContent = '';
		P.unreachable(out, err);
	});
}());
