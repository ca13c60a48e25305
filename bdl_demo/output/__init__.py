"""Where a build writes and what it remembers: output folders made safe (only ever ours), the record
of what the last build read and wrote (the no-op check), and the live preview."""
