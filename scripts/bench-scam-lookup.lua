-- wrk script for scripts/bench-scams: GET /api/v1/scam-lookup?q=… cycling through the queries in
-- the file named by the QUERIES environment variable (one URL-encoded query a line), each thread
-- starting at a different place.
local queries = {}
local position = 0

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    queries[#queries + 1] = line
  end
  position = math.random(1, #queries)
end

function request()
  position = position % #queries + 1
  return wrk.format("GET", "/api/v1/scam-lookup?q=" .. queries[position])
end
