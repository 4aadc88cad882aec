"""Stage 1 of the pipeline: read files exactly as httpd and php-cgi would."""
