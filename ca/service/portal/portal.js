/*
 * Carecard portal: what the pages share. The pages hold no registry data:
 * they fetch the JSON API of the same origin (/api/v1/, the card's TLS
 * client certificate says who is asking) and build the page with DOM
 * calls. Registry data reaches the page only as text (textContent): never
 * as markup, never parsed as HTML.
 */
'use strict';

var Portal = (function () {
	/* An element with @text as its text (not markup) and class @cls. */
	function el(tag, text, cls) {
		var e = document.createElement(tag);

		if (text !== undefined && text !== null)
			e.textContent = String(text);
		if (cls)
			e.className = cls;
		return e;
	}

	/* Registry text: isolated for bidirectional text (portal.css .data). */
	function data(tag, text) {
		var e = el(tag, text === null || text === undefined ? '' : text, 'data');

		e.dir = 'auto';
		return e;
	}

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
	}

	/* "2031-12-07T14:05:09Z" as "2031-12-07 14:05 UTC"; anything else as it is. */
	function when(v) {
		if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/.test(v))
			return v.slice(0, 10) + ' ' + v.slice(11, 16) + ' UTC';
		return v === null || v === undefined ? '' : String(v);
	}

	/* GET @url as JSON: resolves {status, body} (body null if not JSON). */
	function getJSON(url) {
		return fetch(url, {
			method: 'GET',
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'Accept': 'application/json' }
		}).then(function (r) {
			return r.json().then(function (b) {
				return { status: r.status, body: b };
			}, function () {
				return { status: r.status, body: null };
			});
		});
	}

	/*
	 * @method (POST, DELETE) @obj as JSON to @url (the browser adds Origin
	 * and Sec-Fetch-Site, which the API's cross-origin rule asks for):
	 * resolves {status, body} as getJSON.
	 */
	function sendJSON(method, url, obj) {
		return fetch(url, {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'Accept': 'application/json', 'Content-Type': 'application/json' },
			body: JSON.stringify(obj)
		}).then(function (r) {
			return r.json().then(function (b) {
				return { status: r.status, body: b };
			}, function () {
				return { status: r.status, body: null };
			});
		});
	}

	function postJSON(url, obj) {
		return sendJSON('POST', url, obj);
	}

	/* GET @url as text. */
	function getText(url) {
		return fetch(url, { credentials: 'same-origin', cache: 'no-store' })
			.then(function (r) {
				return r.text().then(function (t) {
					return { status: r.status, text: t };
				});
			});
	}

	/* A section with heading @title appended to @parent; returns it. */
	function section(parent, title) {
		var s = el('section');

		s.appendChild(el('h2', title));
		parent.appendChild(s);
		return s;
	}

	/* A description list of [label, value] pairs (values as text). */
	function list(pairs) {
		var dl = el('dl');

		pairs.forEach(function (p) {
			dl.appendChild(el('dt', p[0]));
			dl.appendChild(data('dd', p[1]));
		});
		return dl;
	}

	/*
	 * A table of @rows (objects) with @cols: [{key, label, fmt}] — or, when
	 * @cols is null, every member the rows have, in the order the first
	 * row gives them. @none is said when there are no rows.
	 */
	function table(caption, cols, rows, none) {
		var t, tr, seen;

		if (!Array.isArray(rows) || rows.length === 0)
			return el('p', none, 'empty');
		if (cols === null) {
			cols = [];
			seen = {};
			rows.forEach(function (r) {
				Object.keys(r).forEach(function (k) {
					if (!seen[k]) {
						seen[k] = true;
						cols.push({ key: k, label: k.replace(/_/g, ' ') });
					}
				});
			});
		}
		t = el('table');
		t.appendChild(el('caption', caption));
		tr = el('tr');
		cols.forEach(function (c) {
			var th = el('th', c.label);

			th.scope = 'col';
			tr.appendChild(th);
		});
		t.appendChild(el('thead')).appendChild(tr);
		var tb = el('tbody');
		rows.forEach(function (r) {
			var row = el('tr');

			cols.forEach(function (c) {
				var v = r[c.key];

				row.appendChild(data('td', c.fmt ? c.fmt(v, r) : when(v)));
			});
			tb.appendChild(row);
		});
		t.appendChild(tb);
		return t;
	}

	/* The API's refusal in @node: its message, the rule and what to do. */
	function refusal(node, res, what) {
		var b = res.body || {};
		var box = el('div', null, 'notice error');

		clear(node);
		box.setAttribute('role', 'alert');
		box.appendChild(el('h2', what + ' (HTTP ' + res.status + ')'));
		box.appendChild(el('p', b.message || 'The service gave no reason.'));
		if (b.rule)
			box.appendChild(el('p', 'Rule: ' + b.rule));
		if (b.todo)
			box.appendChild(el('p', 'What to do: ' + b.todo));
		node.appendChild(box);
	}

	/* The fetch itself failed (network, TLS: a card removed). */
	function unreachable(node, err) {
		refusal(node, { status: 0, body: {
			message: 'The service could not be reached (' + err + ').',
			todo: 'check your card is in the reader, then reload the page'
		} }, 'Not connected');
	}

	/* The page ?next= names, when it is a portal page; else My profile. */
	function nextPage() {
		var n = new URLSearchParams(window.location.search).get('next');

		if (typeof n === 'string' && /^\/portal\/(?![\/\\])[^\s]*$/.test(n) &&
		    !/^\/portal\/terms(\?|$)/.test(n))
			return n;
		return '/portal/';
	}

	/*
	 * The terms and conditions first: on every page but their own, a holder
	 * who has not accepted the current version (/api/v1/me "terms") is sent
	 * to the terms page, which sends them back here once they accept.
	 */
	function termsGate() {
		if (window.location.pathname === '/portal/terms')
			return;
		getJSON('/api/v1/me').then(function (res) {
			var t = res.body && res.body.terms;

			if (res.status === 200 && t && t.accepted === false)
				window.location.replace('/portal/terms?next=' +
					encodeURIComponent(window.location.pathname + window.location.search));
		}, function () { /* the page itself says it cannot reach the service */ });
	}
	termsGate();

	return {
		el: el, data: data, clear: clear, when: when, getJSON: getJSON,
		getText: getText, postJSON: postJSON, sendJSON: sendJSON, nextPage: nextPage, section: section,
		list: list, table: table, refusal: refusal, unreachable: unreachable
	};
}());
