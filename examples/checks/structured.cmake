# structured: the schema of city_facts is sent in strict mode's shape, and
# the offline model's refusal is said plainly, after knobs' lint has warned
# that the offline model rejects response_format.
expect("the schema is printed, every member required, no others allowed"
       out MATCHES "=== the schema sent with the request ===\n[{]\"type\":\"object\",\"description\":\"Facts about one city\"")
expect("the schema lists every member as required"
       out MATCHES "\"required\":[[]\"name\",\"country\",\"population\",\"nickname\",\"landmarks\"[]],\"additionalProperties\":false")
expect("an optional member is a union with null"
       out MATCHES "\"nickname\":[{]\"type\":[[]\"string\",\"null\"[]]")
expect("the offline model's refusal is shown with the server's words"
       out MATCHES "=== the offline model refuses ===\nresponse_format json_schema is not supported by knobs' offline model")
expect("the program says what to do instead" out MATCHES "Set OPENAI_BASE_URL")
# The one example whose lint has something to say: the offline model's
# profile knows it rejects the field, and knobs says so before sending.
expect("knobs' lint warns before sending that the offline model rejects response_format"
       err MATCHES "knobs: warning [[]rejected_by_server[]]: knobs' offline model rejects response_format")
set(allow_warning TRUE)
