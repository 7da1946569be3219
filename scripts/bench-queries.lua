-- wrk script for the search benchmarks: GET $QUERY_PATH followed by each query of the file named
-- by the QUERIES environment variable (one URL-encoded query a line) in turn, each thread
-- starting at a different place. scripts/bench-scams: QUERY_PATH=/api/v1/scam-lookup?q=
-- scripts/bench-procedures: QUERY_PATH=/api/v1/procedures/search?q=
local queries = {}
local position = 0
local path = os.getenv("QUERY_PATH")

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    queries[#queries + 1] = line
  end
  position = math.random(1, #queries)
end

function request()
  position = position % #queries + 1
  return wrk.format("GET", path .. queries[position])
end
