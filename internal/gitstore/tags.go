package gitstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Tag is a tag of the repository.
type Tag struct {
	Name string
	// ID is the object the tag's ref names: the tag object of an annotated
	// tag, the commit of a lightweight one.
	ID string
	// Commit is the commit the tag names (annotated tags peeled).
	Commit string
	// Annotated tags carry who made them, when, and a message.
	Annotated bool
	Tagger    praxis.Signature
	Message   string
}

// CreateTag makes an annotated tag of a commit. by is the praxis account that
// cuts it (0 for none), recorded with the tag. ECONFLICT when the tag exists.
func (s *Store) CreateTag(ctx context.Context, name, commit string, tagger praxis.Signature, message string, by int64) error {
	if !ValidRefName(TagRef(name)) {
		return praxis.Errorf(praxis.EINVALID, "%q is not a valid tag name", name)
	}
	if _, err := s.FindCommit(ctx, commit); err != nil {
		return err
	}
	release, err := s.HoldObjects()
	if err != nil {
		return err
	}
	defer release()
	var id string
	who := signature(tagger)
	err = s.withHandle(ctx, func(h *filesystem.Storage) error {
		tag := &object.Tag{Name: name, Tagger: who, Message: normaliseMessage(message),
			TargetType: plumbing.CommitObject, Target: plumbing.NewHash(commit)}
		obj := h.NewEncodedObject()
		if err := tag.Encode(obj); err != nil {
			return err
		}
		hash, err := h.SetEncodedObject(obj)
		id = hash.String()
		return err
	})
	if err != nil {
		return fmt.Errorf("gitstore: tag %s: %w", name, err)
	}
	if err := s.attribute(ctx, id, by, praxis.ActionReleased, who); err != nil {
		return err
	}
	if err := s.updateRef(TagRef(name), "", id); err != nil {
		if praxis.ErrorCode(err) == praxis.ECONFLICT {
			return praxis.Errorf(praxis.ECONFLICT, "there is already a tag %s", name)
		}
		return err
	}
	return nil
}

// Tags lists the repository's tags, sorted by name.
func (s *Store) Tags(ctx context.Context) ([]Tag, error) {
	refs, err := s.listRefs(tagsPrefix)
	if err != nil {
		return nil, err
	}
	var out []Tag
	for ref, id := range refs {
		t := Tag{Name: strings.TrimPrefix(ref, tagsPrefix), ID: id}
		err := s.withHandle(ctx, func(h *filesystem.Storage) error {
			obj, err := loadObject(h, plumbing.AnyObject, plumbing.NewHash(id), maxTreeSize)
			if err != nil {
				return err
			}
			if obj.Type() != plumbing.TagObject {
				t.Commit = id
				return nil
			}
			tag, err := object.DecodeTag(h, obj)
			if err != nil {
				return err
			}
			t.Annotated, t.Message = true, tag.Message
			t.Tagger = praxis.Signature{Name: tag.Tagger.Name, Email: tag.Tagger.Email, When: tag.Tagger.When.UTC()}
			t.Commit = tag.Target.String()
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("gitstore: read tag %s: %w", t.Name, err)
		}
		if commit, err := s.peelToCommit(ctx, t.Commit, t.Name); err == nil {
			t.Commit = commit
		} else {
			continue // a tag of something other than a commit is not a version
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
