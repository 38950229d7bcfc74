"""Local stand-ins for the services yomikai talks to, served over real HTTP on 127.0.0.1."""
