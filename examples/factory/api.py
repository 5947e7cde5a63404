"""The "api" blueprint: a JSON error handler, and "api.v1" nested in it with a MethodView.

Endpoints: ``api.v1.items`` (``/api/v1/items/``) and ``api.v1.item``
(``/api/v1/items/<int:item_id>``).
"""

from __future__ import annotations

from typing import Any

from asyncflask import Blueprint, current_app, request, url_for
from asyncflask.blueprints import BlueprintSetupState
from asyncflask.exceptions import HTTPException, NotFound
from asyncflask.views import MethodView

from .auth import login_required

bp = Blueprint("api", __name__, url_prefix="/api")
v1 = Blueprint("v1", __name__, url_prefix="/v1")


@bp.errorhandler(HTTPException)
def json_error(e: HTTPException) -> tuple[dict[str, Any], int]:
    """Errors in the API's views (nested ones included) answer JSON, not HTML."""
    return {"error": e.name, "description": e.description}, e.code or 500


@v1.after_request
def api_version(response: Any) -> Any:
    response.headers["X-API-Version"] = "1"
    return response


class ItemStore:
    """Items kept in memory, one store per app."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}
        self.next_id = 1


@bp.record_once
def create_store(state: BlueprintSetupState) -> None:
    """Runs when the blueprint is first registered on an app: give that app a store."""
    state.app.extensions["items"] = ItemStore()


class ItemAPI(MethodView):
    """The item collection (``/items/``) and single items (``/items/<id>``)."""

    decorators = [login_required]

    def __init__(self) -> None:
        self.store: ItemStore = current_app.extensions["items"]

    async def get(self, item_id: int | None = None) -> Any:
        if item_id is None:
            size = current_app.config["API_PAGE_SIZE"]
            return {"items": list(self.store.items.values())[:size]}
        return self._find(item_id)

    async def post(self) -> Any:
        data = request.get_json()
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return {"error": "Bad Request", "description": "Send {'name': <string>}."}, 400
        # Async methods run on the event loop, one at a time: no lock needed here.
        item = {"id": self.store.next_id, "name": data["name"]}
        self.store.items[item["id"]] = item
        self.store.next_id += 1
        return item, 201, {"Location": url_for(".item", item_id=item["id"])}

    async def delete(self, item_id: int) -> Any:
        self._find(item_id)
        del self.store.items[item_id]
        return "", 204

    def _find(self, item_id: int) -> dict[str, Any]:
        try:
            return self.store.items[item_id]
        except KeyError:
            raise NotFound(f"No item {item_id}.") from None


item_view = ItemAPI.as_view("items")
v1.add_url_rule("/items/", view_func=item_view, methods=["GET", "POST"])
v1.add_url_rule(
    "/items/<int:item_id>", endpoint="item", view_func=item_view, methods=["GET", "DELETE"]
)
bp.register_blueprint(v1)
