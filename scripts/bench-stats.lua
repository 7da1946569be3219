-- wrk script for scripts/bench-stats: the province dashboard of the unit in UNIT, for each of the
-- last twelve months and this one in turn (MONTHS: "from,to" a line); each thread starts at a
-- different month. With TOKEN set, the statistics API (GET /api/v1/stats/units/UNIT) with that
-- bearer token; else the console's page (GET /console/stats) with the session cookie in COOKIE.
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
  local unit, token = os.getenv("UNIT"), os.getenv("TOKEN") or ""
  if token ~= "" then
    return wrk.format("GET", "/api/v1/stats/units/" .. unit .. "?from=" .. from .. "&to=" .. to, { ["Authorization"] = "Bearer " .. token })
  end
  return wrk.format("GET", "/console/stats?unit=" .. unit .. "&from=" .. from .. "&to=" .. to, { ["Cookie"] = os.getenv("COOKIE") })
end
