-- wrk script of bench-scale-ocsp.sh's pipelined rows: the DER requests in
-- $OCSP_REQ_DIR/*.der POSTed $OCSP_DEPTH at a time on each connection
-- (HTTP/1.1 pipelining), so that the load generator spends little per
-- request and the instances' own cost is what is measured.
local bodies, n = {}, 0
for f in io.popen("ls " .. os.getenv("OCSP_REQ_DIR") .. "/*.der"):lines() do
	local h = io.open(f, "rb"); n = n + 1; bodies[n] = h:read("*a"); h:close()
end
local depth = tonumber(os.getenv("OCSP_DEPTH") or "16")
local batch
init = function(args)
	local r = {}
	for i = 1, depth do
		r[i] = wrk.format("POST", nil, { ["Content-Type"] = "application/ocsp-request" },
				  bodies[(i - 1) % n + 1])
	end
	batch = table.concat(r)
end
request = function()
	return batch
end
