-- Loaded by `make gc-stress` (busted --helper): a collector that runs all
-- the time, so a userdata freed too early or used after close shows up.
collectgarbage("setpause", 0)
collectgarbage("setstepmul", 1000)
