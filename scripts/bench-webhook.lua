-- wrk: POST signed Zalo webhook bodies from $BODIES ("signature<TAB>body" per line); each thread
-- starts at its own offset, so the threads send different events.
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("offset", count)
  table.insert(threads, thread)
end

function init(args)
  items = {}
  for line in io.lines(os.getenv("BODIES")) do
    local tab = line:find("\t", 1, true)
    items[#items + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  position = math.floor((offset - 1) * #items / 2)
end

function request()
  position = position + 1
  local item = items[(position % #items) + 1]
  return wrk.format("POST", "/channels/zalo/webhook", { ["Content-Type"] = "application/json", ["X-ZEvent-Signature"] = item[1] }, item[2])
end
