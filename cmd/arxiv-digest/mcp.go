package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newMCPCmd(e *env) *cobra.Command {
	var f configFlags
	c := &cobra.Command{
		Use:   "mcp",
		Short: "Serve the store to AI assistants over the Model Context Protocol (stdio)",
		Long: `Run a Model Context Protocol server on stdin and stdout, for an MCP client such
as Claude Desktop, VS Code or Cursor to start. It offers read-only tools:
list_digests, get_digest, search_papers and get_paper. It never calls the
model or arXiv and never writes: it reads the store beside a running daemon
or run without waiting for them or making them wait, and takes no lock.
Stdout carries the protocol only; logs go to stderr.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			ctx := c.Context()
			st, err := openReadOnly(ctx, a.cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			a.log.Info("mcp server ready", "store", a.cfg.StorePath())
			err = newMCPServer(a.cfg, st, a.log).Run(ctx, &mcp.StdioTransport{})
			if err != nil && ctx.Err() == nil {
				return withCode(exitFailed, fmt.Errorf("mcp: %w", err))
			}
			return nil
		},
	}
	f.register(c)
	return c
}

// openReadOnly opens the config's store for reading only (see
// store.OpenReadOnly), beside any daemon or run.
func openReadOnly(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	stream, err := cfg.Stream()
	if err != nil {
		return nil, usageError(err)
	}
	st, err := store.OpenReadOnly(ctx, cfg.StorePath(), store.WithStream(stream))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(exitFailed, fmt.Errorf("no store at %s yet: run `arxiv-digest run` first", cfg.StorePath()))
	}
	if err != nil {
		return nil, withCode(exitFailed, err)
	}
	return st, nil
}

// mcpServer answers the MCP tools from the store.
type mcpServer struct {
	cfg    *config.Config
	store  *store.Store
	runner *pipeline.Runner // for Digest only: it reads the store and asks no one
	log    *slog.Logger
}

// newMCPServer makes the MCP server of the store st, read with cfg.
func newMCPServer(cfg *config.Config, st *store.Store, log *slog.Logger) *mcp.Server {
	s := &mcpServer{cfg: cfg, store: st, log: log.With("component", "mcp"),
		runner: &pipeline.Runner{Config: cfg, Store: st, Logger: log}}
	server := mcp.NewServer(&mcp.Implementation{Name: "arxiv-digest", Title: "arxiv-digest: your arXiv digests", Version: version},
		&mcp.ServerOptions{
			Instructions: "Read-only access to the user's arXiv digests: every day's papers, judged by an LLM against " +
				"the user's topics. Use search_papers to find a paper they were shown, list_digests and get_digest " +
				"for what a day or a week held, get_paper for everything stored about one paper.",
			Logger: log.With("component", "mcp"),
		})
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)}
	mcp.AddTool(server, &mcp.Tool{Name: "list_digests", Annotations: readOnly,
		Description: "The stored digest days, newest first, with their paper counts (judged, failed, selected) and health."},
		logged(s, "list_digests", s.listDigests))
	mcp.AddTool(server, &mcp.Tool{Name: "get_digest", Annotations: readOnly,
		Description: "One day's selected papers (or those scoring at least min_relevance), best first, with their topics, " +
			"scores, the model's reasons, TL;DRs where present and arXiv links. Optionally only those selected for one topic."},
		logged(s, "get_digest", s.getDigest))
	mcp.AddTool(server, &mcp.Tool{Name: "search_papers", Annotations: readOnly,
		Description: "Full-text search of every stored paper's title, abstract and authors (any case, accents optional). " +
			`Words are all required; "a phrase" in quotes; word* is a prefix; OR between terms; title:, abstract:, author: ` +
			"limit a term to a field. Each paper once, on its newest day in the range, with its best topic and score."},
		logged(s, "search_papers", s.searchPapers))
	mcp.AddTool(server, &mcp.Tool{Name: "get_paper", Annotations: readOnly,
		Description: "Everything stored about one paper by its arXiv id: its text, every day it was listed with that day's " +
			"scores, every judgement (topic, relevance, reason, model) and its TL;DRs."},
		logged(s, "get_paper", s.getPaper))
	return server
}

// logged logs each call of a tool (and its error) to the server's log.
func logged[In, Out any](s *mcpServer, name string, h mcp.ToolHandlerFor[In, Out]) mcp.ToolHandlerFor[In, Out] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		res, out, err := h(ctx, req, in)
		if err != nil {
			s.log.Info("tool error", "tool", name, "err", err)
		} else {
			s.log.Debug("tool call", "tool", name)
		}
		return res, out, err
	}
}
