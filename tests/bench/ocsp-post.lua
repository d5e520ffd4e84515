-- wrk script of the OCSP benchmarks (run-bench-service.sh, bench-scale-ocsp.sh):
-- POST the DER requests found in $OCSP_REQ_DIR/*.der, round robin.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"
local bodies, n, i = {}, 0, 0
for f in io.popen("ls " .. os.getenv("OCSP_REQ_DIR") .. "/*.der"):lines() do
	local h = io.open(f, "rb"); n = n + 1; bodies[n] = h:read("*a"); h:close()
end
request = function()
	i = i % n + 1
	return wrk.format(nil, nil, nil, bodies[i])
end
