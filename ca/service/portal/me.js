/*
 * My profile: GET /api/v1/me (who the card's certificate says), and for
 * each issued card its renewal facts (GET /holder/status/SERIAL): inside
 * the renewal window a notice with the command to run at the workstation.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var profile = document.getElementById('profile');
	var renewal = document.getElementById('renewal');

	function yesno(v) {
		return v === 'yes' || v === true ? 'yes' : v === 'no' || v === false ? 'no' : P.when(v);
	}

	function render(me) {
		var s, p, a;

		P.clear(profile);
		s = P.section(profile, 'Identity');
		s.appendChild(P.list([
			['Name', me.name],
			['UUID', me.uuid],
			['Email', me.email || 'none registered'],
			['Mobile', me.mobile || 'none registered'],
			['Identity checked by', me.checked_by || ''],
			['Identity checked on', P.when(me.checked_at)]
		]));
		s = P.section(profile, 'Roles and positions');
		s.appendChild(P.table('Positions (the roles an application shows at login)', [
			{ key: 'role', label: 'Role' },
			{ key: 'organisation', label: 'Organisation' },
			{ key: 'ods', label: 'ODS code' },
			{ key: 'locum', label: 'Locum', fmt: yesno }
		], me.positions, 'No positions.'));
		if (Array.isArray(me.ra_roles) && me.ra_roles.length > 0) {
			s.appendChild(P.table('Registration authority roles', [
				{ key: 'role', label: 'Role' }
			], me.ra_roles, ''));
			/* RA staff find people (the API decides whom they may see). */
			p = P.el('p');
			a = P.el('a', 'Search the directory');
			a.href = '/portal/search';
			a.id = 'search-link';
			p.appendChild(a);
			s.appendChild(p);
		}
		s = P.section(profile, 'Cards');
		s.appendChild(P.table('Your smartcards', [
			{ key: 'serial', label: 'Card' },
			{ key: 'state', label: 'State' },
			{ key: 'issued', label: 'Issued' },
			{ key: 'renewals', label: 'Renewals' },
			{ key: 'self_renewals', label: 'Self-renewals' }
		], me.cards, 'No cards.'));
		s = P.section(profile, 'Certificates');
		s.appendChild(P.table('Certificates on your cards', [
			{ key: 'profile', label: 'Certificate' },
			{ key: 'card', label: 'Card' },
			{ key: 'status', label: 'Status' },
			{ key: 'not_before', label: 'Valid from' },
			{ key: 'not_after', label: 'Expires' },
			{ key: 'serial', label: 'Serial' }
		], me.certificates, 'No certificates.'));
		P.clear(status);
		status.appendChild(document.createTextNode('Logged in as '));
		status.appendChild(P.data('span', me.name));
		status.appendChild(document.createTextNode('.'));
		(me.cards || []).forEach(function (c) {
			if (c.state === 'issued')
				renewalFacts(c.serial);
		});
	}

	/* "key: value" lines into an object. */
	function facts(text) {
		var f = {};

		text.split('\n').forEach(function (line) {
			var i = line.indexOf(': ');

			if (i > 0)
				f[line.slice(0, i)] = line.slice(i + 2);
		});
		return f;
	}

	function renewalFacts(serial) {
		P.getText('/holder/status/' + encodeURIComponent(serial)).then(function (r) {
			if (r.status === 200)
				notice(serial, facts(r.text));
		}, function () { /* the profile stands without it */ });
	}

	/* The notice for @serial when its window is open; nothing before. */
	function notice(serial, f) {
		var now = Date.now(), opens = Date.parse(f['renewal-window-opens']);
		var expires = Date.parse(f.expires), box, p;

		if (f['self-renew-now'] !== 'yes' && !(opens <= now && now < expires))
			return;
		box = P.el('div', null, 'notice');
		box.setAttribute('role', 'alert');
		box.appendChild(P.el('h2', 'Your card ' + serial + ' is due for renewal'));
		box.appendChild(P.el('p', 'Its certificates expire on ' + P.when(f.expires) +
			'; the renewal window opened on ' + P.when(f['renewal-window-opens']) + '.'));
		if (f['self-renew-now'] === 'yes') {
			box.appendChild(P.el('p', 'Renew it yourself at your workstation, with the ' +
				'card in the reader (self-renewals left before an RA visit: ' +
				f['self-renewals-left'] + '):'));
			box.appendChild(P.el('code', 'carecard-card renew --server ' +
				window.location.origin, 'command'));
		} else {
			p = P.el('p', 'You cannot renew it yourself: ' + (f.reason || '') +
				' Take the card to your registration authority.');
			box.appendChild(p);
		}
		renewal.appendChild(box);
		renewal.hidden = false;
	}

	P.getJSON('/api/v1/me').then(function (res) {
		if (res.status !== 200 || res.body === null) {
			status.textContent = '';
			P.refusal(profile, res, 'Your profile could not be shown');
			return;
		}
		render(res.body);
	}, function (err) {
		status.textContent = '';
		P.unreachable(profile, err);
	});
}());
