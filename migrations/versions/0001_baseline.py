"""Today's schema, as ``create_all`` built it before migrations existed (the API's tables and the outbox).

A database created that way is stamped at this revision by ``migrations.apply.upgrade``, not re-created.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of the API and the outbox."""
    op.create_table('brickguard_meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('gallery_albums',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('cover_image_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_gallery_albums_user_id'), 'gallery_albums', ['user_id'], unique=False)
    op.create_table('moc_instructions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('author', sa.String(length=100), nullable=True),
    sa.Column('brand', sa.String(length=100), nullable=True),
    sa.Column('theme', sa.String(length=100), nullable=True),
    sa.Column('set_number', sa.String(length=50), nullable=True),
    sa.Column('parts_count', sa.Integer(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default='{}', nullable=False),
    sa.Column('thumbnail_url', sa.String(length=2048), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("type <> 'moc' OR author IS NOT NULL", name='ck_moc_author'),
    sa.CheckConstraint("type <> 'set' OR brand IS NOT NULL", name='ck_set_brand'),
    sa.CheckConstraint("type IN ('moc', 'set')", name='ck_moc_type'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'title', name='uq_moc_user_title')
    )
    op.create_index(op.f('ix_moc_instructions_user_id'), 'moc_instructions', ['user_id'], unique=False)
    op.create_table('user_avatars',
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('image_url', sa.String(length=2048), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('user_profiles',
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('wishlist_items',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('product_link', sa.String(length=2048), nullable=True),
    sa.Column('image_url', sa.String(length=2048), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_wishlist_items_category'), 'wishlist_items', ['category'], unique=False)
    op.create_index(op.f('ix_wishlist_items_user_id'), 'wishlist_items', ['user_id'], unique=False)
    op.create_table('gallery_images',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default='{}', nullable=False),
    sa.Column('image_url', sa.String(length=2048), nullable=False),
    sa.Column('thumbnail_url', sa.String(length=2048), nullable=True),
    sa.Column('album_id', sa.UUID(), nullable=True),
    sa.Column('flagged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['gallery_albums.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_gallery_images_album_id'), 'gallery_images', ['album_id'], unique=False)
    op.create_index(op.f('ix_gallery_images_user_id'), 'gallery_images', ['user_id'], unique=False)
    op.create_foreign_key(  # albums and images name each other: the cover's key comes once both exist
        'gallery_albums_cover_image_id_fkey', 'gallery_albums', 'gallery_images', ['cover_image_id'], ['id'],
        ondelete='SET NULL',
    )
    op.create_table('moc_files',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('moc_id', sa.UUID(), nullable=False),
    sa.Column('file_type', sa.String(length=30), nullable=False),
    sa.Column('file_url', sa.String(length=2048), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=True),
    sa.Column('mime_type', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['moc_id'], ['moc_instructions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_moc_files_moc_id'), 'moc_files', ['moc_id'], unique=False)
    op.create_table('moc_gallery_albums',
    sa.Column('moc_id', sa.UUID(), nullable=False),
    sa.Column('gallery_album_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['gallery_album_id'], ['gallery_albums.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moc_id'], ['moc_instructions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('moc_id', 'gallery_album_id')
    )
    op.create_table('gallery_flags',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('image_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['gallery_images.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('image_id', 'user_id', name='uq_flag_image_user')
    )
    op.create_index(op.f('ix_gallery_flags_image_id'), 'gallery_flags', ['image_id'], unique=False)
    op.create_table('moc_gallery_images',
    sa.Column('moc_id', sa.UUID(), nullable=False),
    sa.Column('gallery_image_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['gallery_image_id'], ['gallery_images.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moc_id'], ['moc_instructions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('moc_id', 'gallery_image_id')
    )
    op.create_table('moc_parts_lists',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('moc_id', sa.UUID(), nullable=False),
    sa.Column('file_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('total_parts_count', sa.Integer(), nullable=True),
    sa.Column('built', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('purchased', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['moc_files.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moc_id'], ['moc_instructions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_moc_parts_lists_moc_id'), 'moc_parts_lists', ['moc_id'], unique=False)
    op.create_table('moc_parts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('parts_list_id', sa.UUID(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.String(length=50), nullable=False),
    sa.Column('part_name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('color', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['parts_list_id'], ['moc_parts_lists.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_moc_parts_parts_list_id'), 'moc_parts', ['parts_list_id'], unique=False)
    op.create_table('parts_list_imports',
    sa.Column('file_id', sa.UUID(), nullable=False),
    sa.Column('moc_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('accepted_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejections', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('parts_list_id', sa.UUID(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['moc_files.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moc_id'], ['moc_instructions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parts_list_id'], ['moc_parts_lists.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('file_id')
    )
    op.create_index(op.f('ix_parts_list_imports_moc_id'), 'parts_list_imports', ['moc_id'], unique=False)
    op.create_table('brickguard_outbox',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_target_id', 'brickguard_outbox', ['target', 'id'], unique=False)


def downgrade() -> None:
    """Drop them all (an empty database)."""
    op.drop_index('ix_outbox_target_id', table_name='brickguard_outbox')
    op.drop_table('brickguard_outbox')
    op.drop_index(op.f('ix_parts_list_imports_moc_id'), table_name='parts_list_imports')
    op.drop_table('parts_list_imports')
    op.drop_index(op.f('ix_moc_parts_parts_list_id'), table_name='moc_parts')
    op.drop_table('moc_parts')
    op.drop_index(op.f('ix_moc_parts_lists_moc_id'), table_name='moc_parts_lists')
    op.drop_table('moc_parts_lists')
    op.drop_table('moc_gallery_images')
    op.drop_index(op.f('ix_gallery_flags_image_id'), table_name='gallery_flags')
    op.drop_table('gallery_flags')
    op.drop_table('moc_gallery_albums')
    op.drop_index(op.f('ix_moc_files_moc_id'), table_name='moc_files')
    op.drop_table('moc_files')
    op.drop_constraint('gallery_albums_cover_image_id_fkey', 'gallery_albums', type_='foreignkey')
    op.drop_index(op.f('ix_gallery_images_user_id'), table_name='gallery_images')
    op.drop_index(op.f('ix_gallery_images_album_id'), table_name='gallery_images')
    op.drop_table('gallery_images')
    op.drop_index(op.f('ix_wishlist_items_user_id'), table_name='wishlist_items')
    op.drop_index(op.f('ix_wishlist_items_category'), table_name='wishlist_items')
    op.drop_table('wishlist_items')
    op.drop_table('user_profiles')
    op.drop_table('user_avatars')
    op.drop_index(op.f('ix_moc_instructions_user_id'), table_name='moc_instructions')
    op.drop_table('moc_instructions')
    op.drop_index(op.f('ix_gallery_albums_user_id'), table_name='gallery_albums')
    op.drop_table('gallery_albums')
    op.drop_table('brickguard_meta')
