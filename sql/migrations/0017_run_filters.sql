-- 0017: `runs list --schedule NAME` (and the API's ?schedule=) over every run a schedule started,
-- not only its active ones (runs_schedule_active, 0006).

CREATE INDEX runs_schedule_created ON runs ((trigger ->> 'schedule'), created_at) WHERE trigger ? 'schedule';
