-- Watch revenue per region change as orders arrive: each line is a row added (+1) or removed (-1) at a timestamp; Ctrl-C stops.
COPY (SUBSCRIBE revenue_per_region) TO STDOUT;
