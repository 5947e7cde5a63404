"""The smallest asyncflask app: ``uvicorn examples.hello:app``."""

from asyncflask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def hello_world() -> str:
    return "<p>Hello, World!</p>"


@app.get("/hello/<name>")
async def hello(name: str) -> dict[str, str]:
    return {"hello": name, "agent": request.user_agent.string}


@app.post("/echo")
async def echo():  # type: ignore[no-untyped-def]
    return jsonify(request.get_json())
