/*
 * TAC ledger: GET /api/v1/tac (RA staff, as the policy's reports duty
 * allows): the Temporary Access Card pool — each card's organisation,
 * custodian, positions, state and current holder — and the usage ledger,
 * newest first: who used which TAC when, recorded by which custodian, and
 * why. People link to their record; everything is shown as text.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var out = document.getElementById('tac');

	function linkPeople(table, keys) {
		/* The UUID cells become links (text, never markup). */
		var heads = table.querySelectorAll('thead th');
		var idx = [];

		heads.forEach(function (th, i) {
			if (keys.indexOf(th.dataset.key) >= 0)
				idx.push(i);
		});
		table.querySelectorAll('tbody tr').forEach(function (tr) {
			idx.forEach(function (i) {
				var td = tr.children[i], uuid = td.textContent, a;

				if (!/^[0-9]{12}$/.test(uuid))
					return;
				a = P.data('a', uuid);
				a.href = '/portal/person/' + encodeURIComponent(uuid);
				P.clear(td);
				td.appendChild(a);
			});
		});
	}

	function render(body) {
		var s, t;
		var pool = [
			{ key: 'serial', label: 'Card' }, { key: 'ods', label: 'Organisation' },
			{ key: 'custodian', label: 'Custodian' },
			{ key: 'positions', label: 'Positions' }, { key: 'state', label: 'State' },
			{ key: 'holder', label: 'Holder' }, { key: 'uses', label: 'Uses' }
		];
		var uses = [
			{ key: 'time', label: 'When' }, { key: 'serial', label: 'Card' },
			{ key: 'ods', label: 'Organisation' },
			{ key: 'holder', label: 'Used by' }, { key: 'name', label: 'Name' },
			{ key: 'custodian', label: 'Recorded by' },
			{ key: 'note', label: 'Note' }
		];

		P.clear(out);
		s = P.section(out, 'The pool');
		t = P.table('Temporary Access Cards', pool, body.pool, 'The pool is empty.');
		s.appendChild(t);
		if (t.tagName === 'TABLE')
			mark(t, pool, ['custodian', 'holder']);
		s = P.section(out, 'Usage ledger');
		t = P.table('Uses of Temporary Access Cards, newest first', uses, body.uses,
			    'No use has been recorded.');
		s.appendChild(t);
		if (t.tagName === 'TABLE')
			mark(t, uses, ['holder', 'custodian']);
		status.textContent = (body.pool || []).length + ' card(s) in the pool, ' +
			(body.uses || []).length + ' use(s) recorded.';
	}

	/* Tag the header cells with their member's name, then link the UUIDs. */
	function mark(table, cols, keys) {
		table.querySelectorAll('thead th').forEach(function (th, i) {
			th.dataset.key = cols[i].key;
		});
		linkPeople(table, keys);
	}

	P.getJSON('/api/v1/tac').then(function (res) {
		if (res.status !== 200 || res.body === null) {
			status.textContent = '';
			P.refusal(out, res, 'The TAC pool could not be shown');
			return;
		}
		render(res.body);
	}, function (err) {
		status.textContent = '';
		P.unreachable(out, err);
	});
}());
