<?php
/*
 * Install a stock WordPress (Debian's package) and load the Rank and File
 * bench's articles as its posts, once; print the pages to load, as JSON.
 *
 *   php wordpress_setup.php CONFIG_NAME ARTICLES_JSON DIGEST LIST_POSITION
 *
 * CONFIG_NAME picks /etc/wordpress/config-CONFIG_NAME.php, as the site's nginx
 * does (WORDPRESS_CONFIG). bench/peers/wordpress.py runs this with php-cli,
 * on an empty database when the articles changed.
 */

[, $config_name, $articles_path, $digest, $list_position] = $argv;
$_SERVER['WORDPRESS_CONFIG'] = $config_name;
$_SERVER['HTTP_HOST'] = '127.0.0.1';

define('WP_INSTALLING', true);  // as wp-admin/install.php does
define('WP_IMPORTING', true);   // as WordPress's importers do: no pings or enclosures queued
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

if (!is_blog_installed()) {
    wp_install('Rank and File bench', 'bench', 'bench@example.org', true, '', wp_generate_password(24));
    // The links the web installer picks when the server answers them (this nginx does);
    // from php-cli it cannot ask, and would keep ?p=123.
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
    create_initial_taxonomies();  // their links and rules were made for ?cat=1 at start-up
    $wp_rewrite->flush_rules(false);

    wp_set_current_user(1);  // the administrator: post HTML is kept as written
    wp_delete_post(1, true);  // "Hello world!": the posts are the bench's articles only
    wp_defer_term_counting(true);
    $posts = json_decode(file_get_contents($articles_path), true);
    foreach (array_reverse($posts) as $post) {  // oldest first, as they were written
        $id = wp_insert_post(wp_slash([
            'post_title' => $post['title'],
            'post_name' => $post['slug'],
            'post_excerpt' => $post['intro'],
            'post_content' => $post['body'],
            'post_status' => 'publish',
            'post_author' => 1,
            'post_date_gmt' => $post['published_at'],
            'post_date' => get_date_from_gmt($post['published_at']),
        ]), true);
        if (is_wp_error($id)) {
            fwrite(STDERR, "wp_insert_post: " . $id->get_error_message() . "\n");
            exit(1);
        }
    }
    wp_defer_term_counting(false);
    update_option('rankandfile_bench_articles', $digest);
}

$newest = get_posts(['numberposts' => 1, 'orderby' => 'date', 'order' => 'DESC']);
$page = intdiv((int) $list_position, (int) get_option('posts_per_page')) + 1;
$category = get_category_link((int) get_option('default_category'));
$list = $page > 1 ? trailingslashit($category) . "page/$page/" : $category;
echo json_encode([
    'home' => '/',
    'article' => wp_make_link_relative(get_permalink($newest[0])),
    'list' => wp_make_link_relative($list),
    'list_page' => $page,
]), "\n";
