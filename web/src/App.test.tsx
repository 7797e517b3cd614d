import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { App } from "./App";
import { json, mockFetch } from "./test/fetch";

describe("App", () => {
  test("has landmarks, a skip link and keyboard-reachable navigation", async () => {
    window.history.replaceState(null, "", "/customers");
    mockFetch(() => json({ items: [], page: 1, perPage: 20, total: 0 }));
    const user = userEvent.setup();
    render(<App />);
    expect(screen.getByRole("banner")).toBeInTheDocument();
    expect(screen.getByRole("main")).toBeInTheDocument();
    expect(screen.getByRole("contentinfo")).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Customers" })).toHaveAttribute("aria-current", "page");

    await user.tab();
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveFocus();

    await user.click(within(nav).getByRole("link", { name: "Catalogue" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Catalogue" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/catalogue");
    expect(screen.getByRole("main")).toHaveFocus();
  });

  test("shows a not-found page for unknown paths", () => {
    window.history.replaceState(null, "", "/nowhere");
    mockFetch(() => json({}));
    render(<App />);
    expect(screen.getByRole("heading", { name: "Page not found" })).toBeInTheDocument();
  });
});
