/*
 * Terms and conditions: GET /api/v1/terms (the text the CA operator
 * installed, its version, whether I accepted it); POST
 * /api/v1/terms/accept {"version"} with the version shown, then back to the
 * page that sent the holder here (?next=, a portal page only).
 */
'use strict';

(function () {
	var P = Portal;
	var status = document.getElementById('status');
	var terms = document.getElementById('terms');
	var form = document.getElementById('accept');
	var shown = null;	/* the version on screen: the one accepted */

	function show(t) {
		shown = t.version;
		document.getElementById('text').textContent = t.text;
		document.getElementById('version').textContent = t.version;
		terms.hidden = false;
		if (t.accepted) {
			status.textContent = 'You accepted these terms and conditions on ' +
				P.when(t.accepted_at) + ' with card ' + t.card + '.';
			form.hidden = true;
		} else {
			status.textContent = 'Please read the terms and conditions and accept ' +
				'them to use the portal.';
			form.hidden = false;
			document.getElementById('agree').focus();
		}
	}

	function load() {
		P.getJSON('/api/v1/terms').then(function (res) {
			if (res.status === 200 && res.body)
				show(res.body);
			else if (res.status === 404 && res.body && res.body.error === 'no-terms')
				status.textContent = 'This service has no terms and conditions to accept.';
			else
				P.refusal(status, res, 'The terms and conditions could not be read');
		}, function (err) {
			P.unreachable(status, err);
		});
	}

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		if (!document.getElementById('agree').checked)
			return;
		document.getElementById('accept-button').disabled = true;
		P.postJSON('/api/v1/terms/accept', { version: shown }).then(function (res) {
			document.getElementById('accept-button').disabled = false;
			if (res.status === 200) {
				window.location.replace(P.nextPage());
			} else if (res.status === 409) {
				status.textContent = 'The terms and conditions changed while you ' +
					'read them: please read the new version.';
				load();
			} else {
				P.refusal(status, res, 'Your acceptance could not be recorded');
			}
		}, function (err) {
			document.getElementById('accept-button').disabled = false;
			P.unreachable(status, err);
		});
	});
	load();
}());
