/*
 * A person's record: GET /api/v1/people/UUID (RA staff, as the policy's
 * lookup duty allows), the UUID from the page's address
 * (/portal/person/UUID or ?uuid=). Only what the API returned is shown:
 * every member, as text, in the order it came.
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var out = document.getElementById('person');
	var form = document.getElementById('open');
	var input = document.getElementById('uuid');
	var prefix = '/portal/person/';

	function uuidOfPage() {
		var path = window.location.pathname, q;

		if (path.indexOf(prefix) === 0 && path.length > prefix.length)
			return decodeURIComponent(path.slice(prefix.length));
		q = new URLSearchParams(window.location.search).get('uuid');
		return q || '';
	}

	function render(rec) {
		var pairs = [], s;

		P.clear(out);
		Object.keys(rec).forEach(function (k) {
			var v = rec[k];

			if (!Array.isArray(v))
				pairs.push([k.replace(/_/g, ' '), P.when(v)]);
		});
		s = P.section(out, 'Identity');
		s.appendChild(P.list(pairs));
		Object.keys(rec).forEach(function (k) {
			var v = rec[k], title = k.replace(/_/g, ' ');

			if (!Array.isArray(v))
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
	P.getJSON('/api/v1/people/' + encodeURIComponent(uuid)).then(function (res) {
		if (res.status !== 200 || res.body === null) {
			status.textContent = '';
			P.refusal(out, res, 'The record of ' + uuid + ' could not be shown');
			return;
		}
		render(res.body);
	}, function (err) {
		status.textContent = '';
		P.unreachable(out, err);
	});
}());
