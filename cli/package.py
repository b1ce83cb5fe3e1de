"""``brickguard package``: build the Lambda artifacts the stack declares, without Docker, and report their sizes."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
TOP_PACKAGES_SHOWN = 8


def _functions() -> list[str]:
    from api.functions import FUNCTIONS

    return [function.name for function in FUNCTIONS]


@click.command()
@click.option("--function", "functions", multiple=True, metavar="NAME",
              help="Build only this function's artifact (repeatable; default: every function of the table).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write each artifact here as <function>.zip (default: build and report only).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (sizes in bytes).")
def package(functions: tuple[str, ...], out_dir: Path | None, as_json: bool) -> None:
    """Build each function's deployment zip for the stack's runtime and architecture (python3.12, arm64).

    Third-party packages come from pip as wheels for the target platform (no Docker), from the groups
    pyproject.toml declares for each function; the unpacked size is reported by package and an artifact
    past Lambda's 250 MB unpacked limit is refused. Downloads and installs are cached by content hash
    (BRICKGUARD_CACHE_DIR, default ~/.cache/brickguard).

    \b
    Example:
      brickguard package --out build/lambda
      brickguard package --function health --json
    """
    from stack.artifacts import Artifacts
    from stack.functions import ARCHITECTURE, RUNTIME
    from stack.package import DIRECT_UPLOAD_LIMIT_BYTES, UNPACKED_LIMIT_BYTES, PackageTooLarge, megabytes
    from stack.shipped import ShippedError
    from stack.wheels import WheelsError, lambda_target

    known = _functions()
    unknown = sorted(set(functions) - set(known))
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)} not in the function table ({', '.join(known)})",
                                 param_hint="--function")
    console = Console(stderr=as_json)
    artifacts = Artifacts(REPOSITORY_ROOT, lambda_target(RUNTIME, ARCHITECTURE))
    built = {}
    try:
        for function in functions or known:
            with console.status(f"packaging {function} for {artifacts.target.name}"):
                built[function] = artifacts.package(function)
    except (PackageTooLarge, WheelsError, ShippedError) as error:
        raise click.ClickException(f"{function}: {error}") from None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for function, code in built.items():
            (out_dir / f"{function}.zip").write_bytes(code.data)
    if as_json:
        report = {
            function: {"groups": list(artifacts.shipped.groups(function)), "sha256": code.sha256_hex,
                       "zipped_bytes": len(code.data), "unpacked_bytes": code.unpacked_bytes,
                       "packages": dict(code.sizes)}
            for function, code in built.items()
        }
        click.echo(json.dumps({"target": artifacts.target.name, "unpacked_limit_bytes": UNPACKED_LIMIT_BYTES,
                               "functions": report}, indent=2))
        return
    table = Table(title=f"artifacts for {artifacts.target.name} (limit {megabytes(UNPACKED_LIMIT_BYTES):.0f} MB "
                        "unpacked; uploaded through S3)")
    for column in ("function", "groups", "unpacked MB", "zipped MB", "largest packages (MB)"):
        table.add_column(column, justify="right" if "MB" in column and "largest" not in column else "left")
    for function, code in built.items():
        sizes = list(code.sizes.items())[:TOP_PACKAGES_SHOWN]
        table.add_row(function, ", ".join(artifacts.shipped.groups(function)), f"{megabytes(code.unpacked_bytes):.1f}",
                      f"{megabytes(len(code.data)):.1f}",
                      ", ".join(f"{name} {megabytes(size):.1f}" for name, size in sizes))
    console.print(table)
    if any(len(code.data) > DIRECT_UPLOAD_LIMIT_BYTES for code in built.values()):
        console.print("zips over 50 MB cannot be uploaded in the API call: brickguard deploy uploads through S3")
    if out_dir is not None:
        console.print(f"written to {out_dir}/<function>.zip")
