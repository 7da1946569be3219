-- wrk script for scripts/bench-stats: the province dashboard (GET /console/stats) of the unit in
-- UNIT, for each of the last twelve months in turn (MONTHS: "from,to" a line), with the session
-- cookie in COOKIE; each thread starts at a different month.
local periods = {}
local position = 0

function init(args)
  for line in io.lines(os.getenv("MONTHS")) do
    periods[#periods + 1] = line
  end
  position = math.random(1, #periods)
end

function request()
  position = position % #periods + 1
  local from, to = periods[position]:match("([^,]+),([^,]+)")
  return wrk.format("GET", "/console/stats?unit=" .. os.getenv("UNIT") .. "&from=" .. from .. "&to=" .. to, { ["Cookie"] = os.getenv("COOKIE") })
end
