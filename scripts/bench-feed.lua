-- wrk script for scripts/bench-community: GET /api/v1/feed as the members whose API tokens are in
-- the file named by the TOKENS environment variable (one a line), in turn, each thread starting
-- at a different member.
local tokens = {}
local position = 0

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    tokens[#tokens + 1] = line
  end
  position = math.random(1, #tokens)
end

function request()
  position = position % #tokens + 1
  return wrk.format("GET", "/api/v1/feed", { ["Authorization"] = "Bearer " .. tokens[position] })
end
