-- POST the same body on every request; the body comes from the environment so one script
-- serves every GraphQL query the bench sends.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
