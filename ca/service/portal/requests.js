/*
 * Registration requests: GET /api/v1/requests?state=... (RA staff; a
 * sponsor sees their own organisations'), one request from the page's
 * address (?id=N, GET /api/v1/requests/N) with the actions the viewer's
 * RA roles allow (GET /api/v1/me): an RA agent or manager who is not the
 * sponsor approves with the identity documents they checked, or rejects;
 * the sponsor withdraws their own. A sponsor registers a holder. The
 * buttons are a convenience: the CA decides every action (the API answers
 * 403 with the rule otherwise). Registry text is shown as text only.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var one = document.getElementById('request');
	var all = document.getElementById('requests');
	var reg = document.getElementById('register');
	var params = new URLSearchParams(window.location.search);
	var id = params.get('id') || '';
	var state = params.get('state') || 'open';
	var me = { uuid: '', roles: [] };
	/* The policy's duties as the nhs policy sets them; the CA decides. */
	var CHECKERS = ['ra-agent', 'ra-manager'];

	function has(roles) {
		return me.roles.some(function (r) { return roles.indexOf(r) >= 0; });
	}

	function link(r) {
		var a = P.el('a', 'Request ' + r.id);

		a.href = '/portal/requests?id=' + encodeURIComponent(r.id);
		return a;
	}

	function say(text) {
		status.textContent = text;
	}

	/* A field: label and input, appended to @form; returns the input. */
	function field(form, name, label, attrs) {
		var l = P.el('label', label), i = P.el('input');

		i.id = name;
		i.name = name;
		i.autocomplete = 'off';
		Object.keys(attrs || {}).forEach(function (k) { i.setAttribute(k, attrs[k]); });
		l.htmlFor = name;
		form.appendChild(l);
		form.appendChild(i);
		return i;
	}

	/* A form with @fields whose submit POSTs their values to @url. */
	function action(parent, title, url, fields, button, done) {
		var s = P.section(parent, title), f = P.el('form'), inputs = {};

		fields.forEach(function (d) {
			inputs[d.name] = field(f, d.name, d.label, d.attrs);
		});
		f.appendChild(P.el('button', button)).type = 'submit';
		f.addEventListener('submit', function (ev) {
			var body = {};

			ev.preventDefault();
			Object.keys(inputs).forEach(function (k) {
				if (inputs[k].value !== '' || inputs[k].required)
					body[k] = inputs[k].value;
			});
			say('Sending\u2026');
			P.postJSON(url, body).then(function (res) {
				if (res.status >= 200 && res.status < 300 && res.body) {
					say(res.body.message || res.body.status);
					done(res.body);
				} else {
					say('');
					P.refusal(one, res, title + ' was refused');
					one.focus();
				}
			}, function (err) {
				say('');
				P.unreachable(one, err);
			});
		});
		s.appendChild(f);
		return inputs;
	}

	/* Request @r, with the actions the viewer may take (the first focused with @focus). */
	function showOne(r, focus) {
		var s, base = '/api/v1/requests/' + encodeURIComponent(r.id);
		var sponsor = r.sponsor === me.uuid, first;

		P.clear(one);
		s = P.section(one, 'Request ' + r.id);
		s.appendChild(P.list([
			['Holder', r.name], ['UUID', r.uuid], ['Position', r.position],
			['State', r.state === 'sponsored' ? 'awaiting the identity check' : r.state],
			['Sponsor', r.sponsor], ['Registered', P.when(r.created)],
			['Checked or closed by', r.checked_by], ['Reason', r.reason]
		]));
		if (r.state !== 'sponsored')
			return;
		if (has(CHECKERS) && !sponsor)
			first = action(one, 'Approve', base + '/approve', [{
				name: 'documents', label: 'Identity documents checked in person',
				attrs: { required: '', placeholder: 'passport,utility-bill,driving-licence',
					 size: '40' }
			}], 'Approve', reload).documents;
		if (has(CHECKERS) || sponsor) {
			var rej = action(one, sponsor ? 'Withdraw' : 'Reject', base + '/reject', [{
				name: 'reason', label: 'Reason', attrs: { required: '', size: '40' }
			}], sponsor ? 'Withdraw' : 'Reject', reload);

			first = first || rej.reason;
		}
		if (first && focus)
			first.focus();
	}

	function reload() {
		loadOne(false);
		loadList();
	}

	function loadOne(focus) {
		if (id === '')
			return;
		P.getJSON('/api/v1/requests/' + encodeURIComponent(id)).then(function (res) {
			if (res.status !== 200 || res.body === null) {
				P.refusal(one, res, 'Request ' + id + ' could not be read');
				return;
			}
			showOne(res.body, focus);
		}, function (err) { P.unreachable(one, err); });
	}

	function loadList() {
		P.getJSON('/api/v1/requests?state=' + encodeURIComponent(state)).then(function (res) {
			var rows;

			P.clear(all);
			if (res.status !== 200 || res.body === null) {
				P.refusal(all, res, 'The requests could not be read');
				return;
			}
			rows = res.body.requests || [];
			all.appendChild(P.table('Requests (' + document.getElementById('state')
				.selectedOptions[0].textContent + ')', [
				{ key: 'id', label: 'Request' },
				{ key: 'name', label: 'Holder' }, { key: 'uuid', label: 'UUID' },
				{ key: 'position', label: 'Position' }, { key: 'sponsor', label: 'Sponsor' },
				{ key: 'state', label: 'State' }, { key: 'created', label: 'Registered' }
			], rows, 'No requests you may see.'));
			/* the first column opens the request */
			Array.prototype.forEach.call(all.querySelectorAll('tbody tr'), function (tr, i) {
				var td = tr.firstChild;

				P.clear(td);
				td.appendChild(link(rows[i]));
			});
		}, function (err) { P.unreachable(all, err); });
	}

	/* For a sponsor; the page's address ending #register puts the keyboard in it. */
	function registerForm() {
		var inputs;

		if (!has(['sponsor']))
			return;
		inputs = action(reg, 'Register a holder', '/api/v1/requests', [
			{ name: 'uuid', label: 'UUID (12 digits)', attrs: { required: '',
			  inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: '12' } },
			{ name: 'name', label: 'Name', attrs: { required: '', maxlength: '64' } },
			{ name: 'email', label: 'Email', attrs: { type: 'email' } },
			{ name: 'mobile', label: 'Mobile', attrs: { type: 'tel' } },
			{ name: 'role', label: 'Job role', attrs: { required: '', placeholder: 'dispenser' } },
			{ name: 'ods', label: 'Organisation (ODS code)', attrs: { required: '',
			  value: me.ods || '' } }
		], 'Register', function (b) {
			window.location.assign('/portal/requests?id=' + encodeURIComponent(b.id));
		});
		if (window.location.hash === '#register' && id === '')
			inputs.uuid.focus();
	}

	one.tabIndex = -1;
	document.getElementById('state').value =
		['open', 'verified', 'rejected', 'all'].indexOf(state) >= 0 ? state : 'open';
	say('Loading\u2026');
	P.getJSON('/api/v1/me').then(function (res) {
		var b = res.body || {};

		if (res.status !== 200 || res.body === null) {
			say('');
			P.refusal(one, res, 'You could not be identified');
			return;
		}
		me.uuid = b.uuid;
		me.roles = (b.ra_roles || []).map(function (r) { return r.role; });
		me.ods = (b.positions || []).length > 0 ? b.positions[0].ods : '';
		say('');
		loadOne(true);
		loadList();
		registerForm();
	}, function (err) {
		say('');
		P.unreachable(one, err);
	});
}());
