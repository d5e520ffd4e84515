/*
 * A person's record: GET /api/v1/people/UUID (RA staff, as the policy's
 * lookup duty allows), the UUID from the page's address
 * (/portal/person/UUID or ?uuid=). Only what the API returned is shown:
 * every member, as text, in the order it came. Its "actions" are what the
 * gate allows the viewer to do to this person (the API asks the library:
 * no rule lives here) and only those are offered: ACTIONS below says how
 * each is shown — a form that calls the API, or, for what needs the card
 * in a reader, the command to run at the workstation.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var out = document.getElementById('person');
	var form = document.getElementById('open');
	var input = document.getElementById('uuid');
	var prefix = '/portal/person/';
	var REASONS = ['lost', 'stolen', 'damaged', 'leaver', 'death'];
	var REVOKE_REASONS = ['keyCompromise', 'affiliationChanged', 'superseded',
			      'cessationOfOperation'];
	/* The workstation's readers: the holder's card in 2, the operator's in 1. */
	var READERS = ' --reader 2 --operator-reader 1';

	/*
	 * How each action the API may list is offered (one row each): its
	 * label, then either the API call (method, path, body members) or the
	 * command (@subject: the ODS code, "ROLE@ODS", card or certificate serial).
	 */
	var ACTIONS = {
		'position-add': { label: 'Add a position', method: 'POST',
			path: function (u) { return '/api/v1/people/' + u + '/positions'; },
			fields: ['role', 'ods'] },
		'position-remove': { label: 'Remove position', method: 'DELETE',
			path: function (u) { return '/api/v1/people/' + u + '/positions'; },
			body: function (subj) {
				var at = subj.lastIndexOf('@');
				return { role: subj.slice(0, at), ods: subj.slice(at + 1) };
			} },
		'cancel-card': { label: 'Cancel card', method: 'POST',
			path: function (u, subj) { return '/api/v1/cards/' + subj + '/cancel'; },
			reasons: REASONS },
		'revoke': { label: 'Revoke certificate', method: 'POST',
			path: function (u, subj) { return '/api/v1/certificates/' + subj + '/revoke'; },
			reasons: REVOKE_REASONS },
		'issue-card': { label: 'Issue a card',
			command: function (u) { return 'carecard-ca issue-card --holder ' + u + READERS; } },
		'unlock': { label: 'Unlock card (RA-assisted)',
			command: function () { return 'carecard-ca unlock' + READERS; } },
		'renew': { label: 'Renew card',
			command: function () { return 'carecard-ca renew' + READERS; } }
	};

	/* One action's controls in @cell. */
	function control(cell, uuid, a, how) {
		var f, sel, inputs = {};

		if (how.command) {
			cell.appendChild(P.el('span', 'At the workstation, with the card in a reader:'));
			cell.appendChild(P.data('code', how.command(uuid, a.subject)));
			cell.lastChild.className = 'command';
			return;
		}
		f = P.el('form');
		(how.fields || []).forEach(function (name) {
			var l = P.el('label', name), i = P.el('input');

			i.name = name;
			i.required = true;
			if (name === 'ods' && a.subject)	/* the organisation the gate allows */
				i.value = a.subject;
			i.setAttribute('aria-label', how.label + ': ' + name);
			l.appendChild(i);
			inputs[name] = i;
			f.appendChild(l);
		});
		if (how.reasons) {
			sel = P.el('select');
			sel.setAttribute('aria-label', how.label + ' ' + a.subject + ': reason');
			how.reasons.forEach(function (r) { sel.appendChild(P.el('option', r)); });
			f.appendChild(sel);
		}
		f.appendChild(P.el('button', how.label));
		f.lastChild.type = 'submit';
		f.addEventListener('submit', function (ev) {
			var body = {};

			ev.preventDefault();
			if (how.body)
				body = how.body(a.subject);
			Object.keys(inputs).forEach(function (k) { body[k] = inputs[k].value; });
			if (sel)
				body.reason = sel.value;
			status.textContent = how.label + '\u2026';
			P.sendJSON(how.method, how.path(uuid, a.subject), body).then(function (res) {
				if (res.status !== 200 || res.body === null) {
					status.textContent = '';
					P.refusal(actionsOut, res, how.label + ' was refused');
					return;
				}
				load(uuid, res.body.message);
			}, function (err) {
				status.textContent = '';
				P.unreachable(actionsOut, err);
			});
		});
		cell.appendChild(f);
	}

	var actionsOut = P.el('div');

	/* The "Actions" section: the API's list, each as ACTIONS says. */
	function renderActions(uuid, list) {
		var s = P.section(out, 'Actions'), t, tb;

		s.id = 'actions';
		s.appendChild(actionsOut);
		P.clear(actionsOut);
		list = (list || []).filter(function (a) { return ACTIONS[a.action]; });
		if (list.length === 0) {
			s.appendChild(P.el('p', 'Your role allows no action on this person.', 'empty'));
			return;
		}
		t = P.el('table');
		t.appendChild(P.el('caption', 'What your role allows'));
		tb = P.el('tbody');
		list.forEach(function (a) {
			var how = ACTIONS[a.action], tr = P.el('tr'), td = P.el('td');

			tr.appendChild(P.el('th', how.label));
			tr.lastChild.scope = 'row';
			tr.appendChild(P.data('td', a.subject));
			control(td, uuid, a, how);
			tr.appendChild(td);
			tb.appendChild(tr);
		});
		t.appendChild(tb);
		s.appendChild(t);
	}

	function uuidOfPage() {
		var path = window.location.pathname, q;

		if (path.indexOf(prefix) === 0 && path.length > prefix.length)
			return decodeURIComponent(path.slice(prefix.length));
		q = new URLSearchParams(window.location.search).get('uuid');
		return q || '';
	}

	function render(rec, done) {
		var pairs = [], s;

		P.clear(out);
		Object.keys(rec).forEach(function (k) {
			var v = rec[k];

			if (!Array.isArray(v))
				pairs.push([k.replace(/_/g, ' '), P.when(v)]);
		});
		s = P.section(out, 'Identity');
		s.appendChild(P.list(pairs));
		renderActions(rec.uuid, rec.actions);	/* what the viewer may do, near the top */
		Object.keys(rec).forEach(function (k) {
			var v = rec[k], title = k.replace(/_/g, ' ');

			if (!Array.isArray(v) || k === 'actions')
				return;
			s = P.section(out, title.charAt(0).toUpperCase() + title.slice(1));
			s.appendChild(P.table(title, null, v, 'None.'));
		});
		P.clear(status);
		if (rec.name) {
			status.appendChild(document.createTextNode('The record of '));
			status.appendChild(P.data('span', rec.name));
			status.appendChild(document.createTextNode('.'));
		}
		if (done)
			status.appendChild(P.el('span', ' Done: ' + done));
	}

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		if (/^[0-9]{12}$/.test(input.value))
			window.location.assign(prefix + input.value);
		else
			status.textContent = 'A UUID is 12 digits.';
	});

	var uuid = uuidOfPage();

	if (uuid === '') {
		status.textContent = 'Give the UUID of the person to open.';
		input.focus();
		return;
	}
	input.value = uuid;
	status.textContent = 'Loading ' + uuid + '\u2026';
	load(uuid, null);

	/* The record (again, after an action: @done says what was done). */
	function load(u, done) {
		P.getJSON('/api/v1/people/' + encodeURIComponent(u)).then(function (res) {
			if (res.status !== 200 || res.body === null) {
				status.textContent = '';
				P.refusal(out, res, 'The record of ' + u + ' could not be shown');
				return;
			}
			render(res.body, done);
		}, function (err) {
			status.textContent = '';
			P.unreachable(out, err);
		});
	}
}());
